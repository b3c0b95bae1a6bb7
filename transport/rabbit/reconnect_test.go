package rabbit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// proxy is a loopback TCP proxy to the broker that a test can cut: the
// client sees the connection drop as in a network failure, the broker sees
// its client go and requeues what was unacknowledged.
type proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	refuse bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse {
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		p.wg.Go(func() { pipe(up, c) })
		p.wg.Go(func() { pipe(c, up) })
	}
}

// cut closes every proxied connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

// setRefuse makes the proxy drop new connections at once (a broker that
// is down), or accept them again.
func (p *proxy) setRefuse(on bool) {
	p.mu.Lock()
	p.refuse = on
	p.mu.Unlock()
}

// viaAddr rewrites the test broker URL to go to addr, with query q.
func viaAddr(t *testing.T, addr, q string) string {
	t.Helper()
	u, err := transport.ParseURL(rabbitURL(t))
	require.NoError(t, err)
	require.Len(t, u.Hosts, 1, "the reconnect tests need a single-host %s", envRabbitURL)
	h := u.Hosts[0]
	cred := ""
	if h.HasCredentials {
		cred = h.Username + ":" + h.Password + "@"
	}
	vhost := u.VirtualHost
	if vhost == "/" {
		vhost = "%2F"
	}
	return withQuery(fmt.Sprintf("rabbit://%s%s/%s", cred, addr, vhost), q)
}

// brokerAddr is the test broker's host:port.
func brokerAddr(t *testing.T) string {
	u, err := transport.ParseURL(rabbitURL(t))
	require.NoError(t, err)
	return u.Hosts[0].Addr(DefaultPort)
}

// streamScenario runs a hark listener (durable queues, through rawURL)
// while a hark notifier on the same transport sends n notifications, and
// calls disrupt once about a third of them are sent. The listener handles
// one notification at a time, taking slow for each, so that a backlog
// waits in the queue during the disruption. Every notification must
// arrive (duplicates are allowed: unacknowledged deliveries of a lost
// connection come again), and the transport must be healthy at the end.
func streamScenario(t *testing.T, r *recorder, rawURL string, n int, slow time.Duration, disrupt func(tr *Transport), opts ...Option) {
	tr := openTransport(t, r, rawURL, opts...)
	ex, topic := transporttest.UniqueName("harkreconnect-x"), transporttest.UniqueName("harkreconnect-t")

	var mu sync.Mutex
	seen := map[string]int{}
	redelivered := 0
	all := make(chan struct{})
	ep := newHarkEndpoint()
	ep.result = func(nt *dispatcher.Notification) dispatcher.Result {
		time.Sleep(slow)
		mu.Lock()
		defer mu.Unlock()
		seen[nt.Metadata.MessageID]++
		if nt.Metadata.Deliveries > 1 {
			redelivered++
		}
		if len(seen) == n {
			close(all)
		}
		return dispatcher.Handled
	}
	ep.got = make(chan *dispatcher.Notification, 4*n)
	l, err := notify.NewListener(tr, []target.Target{{Exchange: ex, Topic: topic}}, []any{ep},
		notify.WithPrefetch(20), notify.WithDedup(0), notify.WithExecutor(executor.Blocking()))
	require.NoError(t, err)
	startHarkListener(t, l)
	require.NoError(t, tr.Healthy())

	nt, err := notify.NewNotifier(tr, notify.WithPublisherID("reconnect"), notify.WithTopics(topic), notify.WithExchange(ex),
		notify.WithRetryBackoff(100*time.Millisecond, 100*time.Millisecond, time.Second))
	require.NoError(t, err)
	ctx := testutil.Within(t, 2*time.Minute)
	for i := range n {
		if i == n/3 {
			t.Logf("disrupting with %d notifications waiting in the queue", queueDepth(t, routingKey(topic, transport.Info)))
			disrupt(tr)
		}
		require.NoError(t, nt.Info(ctx, notify.Context{"i": i}, "reconnect.test", map[string]any{"i": i}), "notification %d", i)
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		mu.Lock()
		t.Fatalf("only %d of %d notifications arrived after the disruption", len(seen), n)
	}
	mu.Lock()
	dups := 0
	for _, c := range seen {
		dups += c - 1
	}
	mu.Unlock()
	t.Logf("%d notifications, all received; %d duplicate deliveries, %d redeliveries", n, dups, redelivered)
	require.Eventually(t, func() bool { return tr.Healthy() == nil }, 30*time.Second, 50*time.Millisecond,
		"healthy again: %v", tr.Healthy())
}

// TestReconnectAfterConnectionCut cuts every connection twice mid-stream
// (and refuses new ones for a while, as a broker that is down would): the
// listener and the sender reconnect by themselves, re-declare, resume, and
// nothing is lost.
func TestReconnectAfterConnectionCut(t *testing.T) {
	rabbitURL(t)
	r := newRecorder(t, rabbitURL(t))
	p := startProxy(t, brokerAddr(t))
	streamScenario(t, r, viaAddr(t, p.addr(), "amqp_durable_queues=true"), 300, 5*time.Millisecond, func(tr *Transport) {
		for range 2 {
			p.setRefuse(true)
			p.cut()
			require.Eventually(t, func() bool { return tr.Healthy() != nil }, 10*time.Second, 10*time.Millisecond,
				"the transport reports the lost connections")
			t.Logf("while cut: %v", tr.Healthy())
			time.Sleep(300 * time.Millisecond)
			p.setRefuse(false)
			require.Eventually(t, func() bool { return tr.Healthy() == nil }, 30*time.Second, 20*time.Millisecond)
		}
	})
}

// rabbitmqctl runs rabbitmqctl, skipping t when it is not usable here.
func rabbitmqctl(t *testing.T, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("rabbitmqctl")
	if err != nil {
		t.Skip("rabbitmqctl is not installed here")
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Skipf("rabbitmqctl %s failed (not the broker's machine, or no access?): %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out.String()
}

// closeConnections makes the broker close (320 CONNECTION_FORCED) every
// connection whose connection_name starts with prefix.
func closeConnections(t *testing.T, prefix string) int {
	t.Helper()
	out := rabbitmqctl(t, "list_connections", "pid", "client_properties", "-q", "--no-table-headers")
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		pid, props, ok := strings.Cut(sc.Text(), "\t")
		if !ok || !strings.Contains(props, `{"connection_name","`+prefix) {
			continue
		}
		rabbitmqctl(t, "close_connection", pid, "hark reconnect test")
		n++
	}
	return n
}

// TestReconnectAfterForcedClose: the broker closes hark's connections
// (rabbitmqctl close_connection, 320 CONNECTION_FORCED) mid-stream; the
// listener and sender reconnect and nothing is lost.
func TestReconnectAfterForcedClose(t *testing.T) {
	rabbitURL(t)
	rabbitmqctl(t, "status", "-q")
	r := newRecorder(t, rabbitURL(t))
	name := transporttest.UniqueName("hark-forced")
	streamScenario(t, r, withQuery(rabbitURL(t), "amqp_durable_queues=true"), 300, 5*time.Millisecond, func(tr *Transport) {
		// Watch from before the first close: on a slow machine rabbitmqctl
		// takes seconds per call, time enough for the transport to have
		// reconnected before the last close returns.
		var unhealthy atomic.Value
		stop := make(chan struct{})
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			for {
				if err := tr.Healthy(); err != nil {
					unhealthy.CompareAndSwap(nil, err.Error())
				}
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		}()
		// The send connection and the listener's.
		require.GreaterOrEqual(t, closeConnections(t, name+":"), 2, "the broker lists the send and listen connections")
		require.Eventually(t, func() bool { return unhealthy.Load() != nil }, 10*time.Second, 10*time.Millisecond, "the transport reports the closed connections")
		close(stop)
		<-watched
		t.Logf("after close_connection: %v", unhealthy.Load())
	}, WithConnectionName(name))
}

// TestReconnectAfterBrokerRestart restarts the broker's RabbitMQ
// application (rabbitmqctl stop_app, start_app) mid-stream with durable
// queues: what was sent before survives, the listener and sender resume.
// It disturbs every user of the broker, so it runs only with
// HARK_TEST_RABBIT_DISRUPTIVE=1.
func TestReconnectAfterBrokerRestart(t *testing.T) {
	disruptive(t)
	r := newRecorder(t, rabbitURL(t))
	rawURL := withQuery(rabbitURL(t), "amqp_durable_queues=true")
	streamScenario(t, r, rawURL, 300, 10*time.Millisecond, func(tr *Transport) {
		rabbitmqctl(t, "stop_app")
		require.Eventually(t, func() bool { return tr.Healthy() != nil }, 30*time.Second, 10*time.Millisecond)
		t.Logf("broker stopped: %v", tr.Healthy())
		time.Sleep(time.Second)
		rabbitmqctl(t, "start_app")
		rabbitmqctl(t, "await_startup")
	})
}

// envDisruptive enables the tests that disturb every client of the test
// broker (a restart, a memory alarm): only on a broker of one's own.
const envDisruptive = "HARK_TEST_RABBIT_DISRUPTIVE"

// disruptive skips t unless disruptive tests are enabled and rabbitmqctl
// works.
func disruptive(t *testing.T) {
	t.Helper()
	rabbitURL(t)
	if os.Getenv(envDisruptive) == "" {
		t.Skip("set HARK_TEST_RABBIT_DISRUPTIVE=1 to run the tests that restart the broker or raise its memory alarm (rabbitmqctl); they disturb every other client of that broker")
	}
	rabbitmqctl(t, "status", "-q")
}

// TestListenUnreachable: with no broker, Open fails fast with an error
// naming the host; a multi-host URL fails over to a live host.
func TestListenUnreachable(t *testing.T) {
	rabbitURL(t)
	dead := "127.0.0.1:1"
	_, err := New(t.Context(), "rabbit://guest:guest@"+dead+"/", WithConnectTimeout(2*time.Second))
	require.Error(t, err)
	assert.Contains(t, err.Error(), dead)
	assert.NotContains(t, err.Error(), "guest:guest")

	r := newRecorder(t, rabbitURL(t))
	u, err := transport.ParseURL(rabbitURL(t))
	require.NoError(t, err)
	h := u.Hosts[0]
	multi := fmt.Sprintf("rabbit://%s:%s@%s,%s:%s@%s/", h.Username, h.Password, dead, h.Username, h.Password, h.Addr(DefaultPort))
	for range 3 { // the host order is shuffled: some runs try the dead host first
		tr := openTransport(t, r, multi)
		require.NoError(t, tr.Healthy())
		require.NoError(t, tr.Close())
	}
	var ctxErr error
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, ctxErr = New(ctx, "rabbit://h/")
	assert.True(t, errors.Is(ctxErr, context.Canceled))
}

// queueDepth is the number of ready messages in queue.
func queueDepth(t *testing.T, queue string) int {
	t.Helper()
	ch, err := rawConn(t).Channel()
	require.NoError(t, err)
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	require.NoError(t, err)
	return q.Messages
}
