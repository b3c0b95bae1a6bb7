package nats_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// serverBinEnv names the environment variable that makes the process
// clusters run a nats-server binary (its path). Without it they run this
// test binary as their servers (TestNATSServerProcess: nats-server from
// go.mod, each in a process of its own).
const serverBinEnv = "HARK_TEST_NATS_SERVER_BIN"

// serverProcessEnv tells this test binary, run by a process cluster, to
// be a nats-server with the configuration file it names.
const serverProcessEnv = "HARK_TEST_NATS_SERVER_PROCESS_CONF"

// processNode is one nats-server process of a processCluster.
type processNode struct {
	name        string
	dir         string // store, configuration and log
	clientPort  int
	clusterPort int
	httpPort    int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// processCluster is a JetStream cluster of nats-server processes on
// loopback (clients, routes and monitoring on free ports), each with its
// store in a temporary directory. Kill sends SIGKILL, so the servers it
// kills hand nothing over: the others elect new leaders once their
// election timeout (4-9s) has passed without heartbeats.
type processCluster struct {
	// bin is the nats-server binary, or "" for this test binary.
	bin   string
	nodes []*processNode

	adminOnce sync.Once
	js        jetstream.JetStream
}

var _ jsCluster = (*processCluster)(nil)

// startProcessCluster starts n nats-server processes as a JetStream
// cluster (as startCluster does in process) and waits until it has a meta
// leader that can place a stream on every server. The servers are the
// binary HARK_TEST_NATS_SERVER_BIN names, or else this test binary (see
// TestNATSServerProcess). The processes are stopped by pid at cleanup
// (SIGTERM, then SIGKILL after clusterWait); one of this test binary also
// exits when the test process dies. Their logs stay in the test's
// temporary directory until then; Events reads them.
func startProcessCluster(t testing.TB, n int) *processCluster {
	t.Helper()
	bin := os.Getenv(serverBinEnv)
	if bin != "" {
		_, err := exec.LookPath(bin)
		require.NoError(t, err, "%s=%s", serverBinEnv, bin)
	}
	ports := freePorts(t, 3*n)
	c := &processCluster{bin: bin}
	for i := range n {
		c.nodes = append(c.nodes, &processNode{
			name:        fmt.Sprintf("n%d", i+1),
			dir:         t.TempDir(),
			clientPort:  ports[3*i],
			clusterPort: ports[3*i+1],
			httpPort:    ports[3*i+2],
		})
	}
	t.Cleanup(c.stopAll)
	for _, nd := range c.nodes {
		require.NoError(t, c.writeConfig(nd))
		require.NoError(t, c.start(nd))
	}
	for _, nd := range c.nodes {
		require.NoError(t, nd.waitListening(clusterWait))
	}
	c.WaitMetaLeader(t)
	c.waitPlacement(t)
	return c
}

// waitPlacement waits until the cluster can place a stream on every
// server (the meta leader has heard from all of them), by creating an
// R<n> memory stream until that works, and deleting it.
func (c *processCluster) waitPlacement(t testing.TB) {
	t.Helper()
	js := c.admin(t)
	const name = "HARK_TEST_PLACEMENT"
	var lastErr error
	ok := assertEventually(clusterWait, 50*time.Millisecond, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		_, lastErr = js.CreateStream(ctx, jetstream.StreamConfig{
			Name: name, Subjects: []string{"hark-test-placement"}, Replicas: len(c.nodes), Storage: jetstream.MemoryStorage,
		})
		return lastErr == nil
	})
	require.True(t, ok, "an R%d stream can be placed within %s (last error: %v)", len(c.nodes), clusterWait, lastErr)
	ctx, cancel := context.WithTimeout(t.Context(), clusterWait)
	defer cancel()
	require.NoError(t, js.DeleteStream(ctx, name))
}

func (c *processCluster) writeConfig(nd *processNode) error {
	var routes []string
	for _, o := range c.nodes {
		if o != nd {
			routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", o.clusterPort))
		}
	}
	conf := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
http: 127.0.0.1:%d
jetstream {
  store_dir: %q
  max_memory_store: 64MB
  max_file_store: 1GB
}
cluster {
  name: %s
  listen: 127.0.0.1:%d
  routes: [%s]
}
`, nd.name, nd.clientPort, nd.httpPort, filepath.Join(nd.dir, "store"), clusterName, nd.clusterPort, strings.Join(routes, ", "))
	return os.WriteFile(filepath.Join(nd.dir, "server.conf"), []byte(conf), 0o600)
}

// start starts nd's process, its output appended to nd.dir/server.log.
func (c *processCluster) start(nd *processNode) error {
	logf, err := os.OpenFile(filepath.Join(nd.dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	conf := filepath.Join(nd.dir, "server.conf")
	var cmd *exec.Cmd
	if c.bin != "" {
		cmd = exec.Command(c.bin, "-c", conf)
	} else {
		cmd = exec.Command(os.Args[0], "-test.run=^TestNATSServerProcess$", "-test.timeout=10m")
		cmd.Env = append(os.Environ(), serverProcessEnv+"="+conf)
		// The server exits when this pipe closes: when the test process
		// dies without stopping it.
		if _, err := cmd.StdinPipe(); err != nil {
			_ = logf.Close()
			return err
		}
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("start %s (%s): %w", nd.name, c.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = logf.Close()
		close(done)
	}()
	nd.mu.Lock()
	nd.cmd, nd.done = cmd, done
	nd.mu.Unlock()
	return nil
}

// waitListening waits until nd accepts client connections, or fails when
// its process exits or d passes.
func (nd *processNode) waitListening(d time.Duration) error {
	nd.mu.Lock()
	done := nd.done
	nd.mu.Unlock()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("nats-server %s exited; see %s", nd.name, filepath.Join(nd.dir, "server.log"))
		default:
		}
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", nd.clientPort), time.Second)
		if err == nil {
			return conn.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("nats-server %s does not listen on %d after %s", nd.name, nd.clientPort, d)
}

// running returns nd's process, or nil once it has exited.
func (nd *processNode) running() *exec.Cmd {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.cmd == nil {
		return nil
	}
	select {
	case <-nd.done:
		return nil
	default:
		return nd.cmd
	}
}

// stop signals nd's process by pid and waits up to d for it to exit.
func (nd *processNode) stop(sig syscall.Signal, d time.Duration) bool {
	cmd := nd.running()
	if cmd == nil {
		return true
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-nd.done:
		return true
	case <-time.After(d):
		return false
	}
}

func (c *processCluster) stopAll() {
	var wg sync.WaitGroup
	for _, nd := range c.nodes {
		wg.Go(func() {
			if !nd.stop(syscall.SIGTERM, clusterWait) {
				nd.stop(syscall.SIGKILL, clusterWait)
			}
		})
	}
	wg.Wait()
}

// Kind reports "process" and what runs as the servers.
func (c *processCluster) Kind() string {
	if c.bin == "" {
		return "process (test binary)"
	}
	return "process (" + c.bin + ")"
}

// Names: see jsCluster.
func (c *processCluster) Names() []string {
	names := make([]string, len(c.nodes))
	for i, nd := range c.nodes {
		names[i] = nd.name
	}
	return names
}

func (c *processCluster) node(t testing.TB, name string) *processNode {
	t.Helper()
	for _, nd := range c.nodes {
		if nd.name == name {
			return nd
		}
	}
	require.FailNow(t, "no such server", "%q (servers: %v)", name, c.Names())
	return nil
}

// URL: see jsCluster.
func (c *processCluster) URL(query string, first ...string) string {
	hosts := map[string]string{}
	for _, nd := range c.nodes {
		hosts[nd.name] = fmt.Sprintf("127.0.0.1:%d", nd.clientPort)
	}
	return orderedURL(c.Names(), hosts, query, first)
}

// jsz is the part of the monitoring endpoint /jsz the tests read.
type jsz struct {
	Meta *server.MetaClusterInfo `json:"meta_cluster"`
}

func (nd *processNode) jsz() (jsz, error) {
	var z jsz
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d/jsz", nd.httpPort))
	if err != nil {
		return z, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return z, fmt.Errorf("/jsz: %s", resp.Status)
	}
	return z, json.NewDecoder(resp.Body).Decode(&z)
}

// WaitMetaLeader: see jsCluster. It reads the leader every running server
// reports on its monitoring endpoint (/jsz), and wants them to agree;
// startProcessCluster then checks placement (waitPlacement).
func (c *processCluster) WaitMetaLeader(t testing.TB) string {
	t.Helper()
	var leader string
	require.Eventually(t, func() bool {
		leader = ""
		for _, nd := range c.nodes {
			if nd.running() == nil {
				continue
			}
			z, err := nd.jsz()
			if err != nil || z.Meta == nil || z.Meta.Leader == "" || (leader != "" && z.Meta.Leader != leader) {
				return false
			}
			leader = z.Meta.Leader
		}
		return leader != ""
	}, clusterWait, 50*time.Millisecond, "a JetStream meta leader, known to every running server")
	return leader
}

func (c *processCluster) admin(t testing.TB) jetstream.JetStream {
	c.adminOnce.Do(func() { _, c.js = connectAdmin(t, c.URL("")) })
	return c.js
}

// StreamLeader: see jsCluster. It asks the JetStream API (stream info,
// which the leader answers).
func (c *processCluster) StreamLeader(t testing.TB, stream string) string {
	t.Helper()
	js := c.admin(t)
	return waitAPILeader(t, "stream "+stream, func(ctx context.Context) (*jetstream.ClusterInfo, error) {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return nil, err
		}
		return s.CachedInfo().Cluster, nil
	})
}

// ConsumerLeader: see jsCluster (consumer info).
func (c *processCluster) ConsumerLeader(t testing.TB, stream, consumer string) string {
	t.Helper()
	js := c.admin(t)
	return waitAPILeader(t, "consumer "+stream+" > "+consumer, func(ctx context.Context) (*jetstream.ClusterInfo, error) {
		cons, err := js.Consumer(ctx, stream, consumer)
		if err != nil {
			return nil, err
		}
		return cons.CachedInfo().Cluster, nil
	})
}

// waitAPILeader polls info until it names a leader.
func waitAPILeader(t testing.TB, what string, info func(context.Context) (*jetstream.ClusterInfo, error)) string {
	t.Helper()
	var (
		leader  string
		lastErr error
	)
	ok := assertEventually(clusterWait, 50*time.Millisecond, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		ci, err := info(ctx)
		lastErr = err
		if err != nil || ci == nil {
			return false
		}
		leader = ci.Leader
		return leader != ""
	})
	require.True(t, ok, "a leader of %s within %s (last error: %v)", what, clusterWait, lastErr)
	return leader
}

// assertEventually polls cond every tick until it holds (true) or d has
// passed (false).
func assertEventually(d, tick time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(tick) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// Kill sends SIGKILL to the server's process (by pid) and waits until it
// has exited.
func (c *processCluster) Kill(t testing.TB, name string) {
	t.Helper()
	nd := c.node(t, name)
	require.NotNil(t, nd.running(), "server %s is not running", name)
	require.True(t, nd.stop(syscall.SIGKILL, clusterWait), "%s exits on SIGKILL", name)
}

// Restart: see jsCluster.
func (c *processCluster) Restart(t testing.TB, name string) {
	t.Helper()
	nd := c.node(t, name)
	require.Nil(t, nd.running(), "server %s is running", name)
	require.NoError(t, c.start(nd))
	require.NoError(t, nd.waitListening(clusterWait))
}

// logLine is a nats-server log line: "[pid] 2006/01/02 15:04:05.000000 [INF] text".
var logLine = regexp.MustCompile(`^\[\d+\] (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) \[(\w+)\] (.*)$`)

// Events reads the servers' log files (see jsCluster).
func (c *processCluster) Events() []clusterEvent {
	var all eventLog
	for _, nd := range c.nodes {
		f, err := os.Open(filepath.Join(nd.dir, "server.log"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			m := logLine.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			at, err := time.ParseInLocation("2006/01/02 15:04:05.000000", m[1], time.Local)
			if err != nil {
				continue
			}
			all.events = append(all.events, clusterEvent{At: at, Source: nd.name, Level: m[2], Text: m[3]})
		}
		_ = f.Close()
	}
	return all.all()
}

// TestNATSServerProcess is not a test: it is the nats-server (the
// module's, 2.15.2) of the process clusters that run without
// HARK_TEST_NATS_SERVER_BIN, started by startProcessCluster in a process
// of its own, as nats-server's main does with "-c <conf>". It runs until
// it is signalled (SIGTERM shuts it down, SIGKILL kills it) or its
// standard input closes.
func TestNATSServerProcess(t *testing.T) {
	conf := os.Getenv(serverProcessEnv)
	if conf == "" {
		t.Skip("the nats-server of the process clusters; not a test")
	}
	fs := flag.NewFlagSet("nats-server", flag.ContinueOnError)
	opts, err := server.ConfigureOptions(fs, []string{"-c", conf}, server.PrintServerAndExit, fs.Usage, server.PrintTLSHelpAndDie)
	require.NoError(t, err)
	s, err := server.NewServer(opts)
	require.NoError(t, err)
	s.ConfigureLogger()
	require.NoError(t, server.Run(s))
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		fmt.Println("standard input closed: the test process is gone; exiting")
		os.Exit(1)
	}()
	s.WaitForShutdown()
}
