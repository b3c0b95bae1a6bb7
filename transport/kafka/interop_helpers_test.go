package kafka_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// interopWait bounds every wait of the interop tests: librdkafka's first
// metadata round trip and a consumer group's first rebalance take seconds.
const interopWait = 60 * time.Second

// osloPython returns the interpreter the real oslo.messaging and
// confluent_kafka are installed for, or skips the test saying what is
// missing.
func osloPython(t *testing.T) string {
	t.Helper()
	if os.Getenv("HARK_TEST_OSLO") != "1" {
		t.Skip("set HARK_TEST_OSLO=1 to run the interop tests with the real oslo.messaging kafka driver (Debian python3-oslo.messaging, python3-confluent-kafka)")
	}
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			t.Skip("python3 not found: skipping the interop tests with the real oslo.messaging kafka driver")
		}
	}
	out, err := exec.Command(py, "-c", "import oslo_messaging, confluent_kafka; from oslo_messaging._drivers import impl_kafka").CombinedOutput()
	if err != nil {
		t.Skipf("oslo.messaging's kafka driver is not importable by %s (install python3-oslo.messaging and python3-confluent-kafka): %s", py, bytes.TrimSpace(out))
	}
	return py
}

// broker is a one-broker kfake cluster on 127.0.0.1 with an admin client.
type broker struct {
	addr string
	adm  *kadm.Client
}

// newBroker starts a kfake cluster for the test, closed at its end.
func newBroker(t *testing.T) *broker {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	require.NoError(t, err)
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return &broker{addr: addr, adm: kadm.NewClient(cl)}
}

// url is the kafka:// transport URL of the broker.
func (b *broker) url() string { return "kafka://" + b.addr + "/" }

// createTopics creates topics with partitions each.
func (b *broker) createTopics(t *testing.T, partitions int32, topics ...string) {
	t.Helper()
	res, err := b.adm.CreateTopics(t.Context(), partitions, 1, nil, topics...)
	require.NoError(t, err)
	require.NoError(t, res.Error())
}

// startGroupAtZero commits offset 0 on every partition of topics for
// group, so that the group reads everything produced, whenever its members
// join (a new group without commits starts at the end in oslo).
func (b *broker) startGroupAtZero(t *testing.T, group string, partitions int32, topics ...string) {
	t.Helper()
	var os kadm.Offsets
	for _, topic := range topics {
		for p := range partitions {
			os.AddOffset(topic, p, 0, -1)
		}
	}
	require.NoError(t, b.adm.CommitAllOffsets(t.Context(), group, os))
}

// waitMembers waits until group is stable with n members, each assigned
// at least one partition; on failure it says what the group looked like.
func (b *broker) waitMembers(t *testing.T, group string, n int) {
	t.Helper()
	var last string
	ok := assert.Eventually(t, func() bool {
		gs, err := b.adm.DescribeGroups(t.Context(), group)
		if err != nil {
			last = err.Error()
			return false
		}
		g := gs[group]
		last = fmt.Sprintf("state %q, protocol %q, %d members, error %v", g.State, g.Protocol, len(g.Members), g.Err)
		if g.Err != nil || g.State != "Stable" || len(g.Members) != n {
			return false
		}
		for _, m := range g.Members {
			c, ok := m.Assigned.AsConsumer()
			if !ok || len(c.Topics) == 0 {
				return false
			}
		}
		return true
	}, interopWait, 50*time.Millisecond)
	if !ok {
		require.FailNowf(t, "group not ready", "consumer group %q never became stable with %d members, each assigned partitions; last seen: %s "+
			"(librdkafka offers the eager range and roundrobin assignors: a member offering only cooperative-sticky, franz-go's default, cannot join: INCONSISTENT_GROUP_PROTOCOL)", group, n, last)
	}
}

// pyProc is a running Python helper script: its stdout as JSON lines.
type pyProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan json.RawMessage
	done  chan struct{} // closed when stdout is drained
	mu    sync.Mutex
	errb  bytes.Buffer
}

// startPy runs testdata/<script> with args under py; the process is
// stopped (stdin closed, then killed if it lingers) at the end of the
// test.
func startPy(t *testing.T, py, script string, args ...string) *pyProc {
	t.Helper()
	// Not tied to t.Context: the cleanup below closes stdin first, so the
	// script can stop its listener and clean its transport up.
	cmd := exec.Command(py, append([]string{filepath.Join("testdata", script)}, args...)...)
	p := &pyProc{cmd: cmd, lines: make(chan json.RawMessage, 1024), done: make(chan struct{})}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.errb.Write(b)
	})
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p.stdin = stdin
	require.NoError(t, cmd.Start())
	go func() {
		defer close(p.done)
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for sc.Scan() {
			p.lines <- json.RawMessage(bytes.Clone(sc.Bytes()))
		}
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop closes stdin and waits for the script to end (killing it after
// 30s), once; it returns the exit error.
func (p *pyProc) stop(t *testing.T) error {
	t.Helper()
	_ = p.stdin.Close()
	exited := make(chan error, 1)
	go func() {
		<-p.done
		exited <- p.cmd.Wait()
	}()
	select {
	case err := <-exited:
		return err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("%s did not stop within 30s of stdin closing; killed", p.cmd.Args[1])
		return errors.New("killed")
	}
}

// stderr is what the script wrote to stderr so far.
func (p *pyProc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errb.String()
}

// next returns the script's next stdout line, failing the test when none
// comes within d (or the script ended).
func (p *pyProc) next(t *testing.T, d time.Duration) json.RawMessage {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			require.FailNowf(t, "script ended", "%s ended; stderr:\n%s", p.cmd.Args[1], p.stderr())
		}
		return l
	case <-time.After(d):
		require.FailNowf(t, "no line", "%s wrote nothing for %s; stderr:\n%s", p.cmd.Args[1], d, p.stderr())
	}
	return nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// allTopics are the Kafka topics of topic's seven priorities, as oslo
// names them: <topic>.<priority>.
func allTopics(topic string) []string {
	var ts []string
	for _, p := range []string{"audit", "debug", "info", "warn", "error", "critical", "sample"} {
		ts = append(ts, topic+"."+p)
	}
	return ts
}
