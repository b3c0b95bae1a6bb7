package rabbit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
)

// The interop tests drive the real oslo.messaging (Debian's
// python3-oslo.messaging, run with /usr/bin/python3) through
// testdata/oslo_interop.py.
const (
	envOslo     = "HARK_TEST_OSLO"
	python      = "/usr/bin/python3"
	interopPy   = "testdata/oslo_interop.py"
	pyTimeout   = 60 * time.Second
	waitTimeout = 30 * time.Second
)

// osloURL skips t unless the interop tests are enabled and oslo.messaging
// imports, and returns the broker URL in oslo's spelling: oslo reads
// "amqp://" as its AMQP 1.0 driver, so the scheme becomes rabbit://.
func osloURL(t *testing.T) string {
	t.Helper()
	u := rabbitURL(t)
	if os.Getenv(envOslo) == "" {
		t.Skip("set HARK_TEST_OSLO=1 (with HARK_TEST_RABBIT_URL) to run the interop tests against the real oslo.messaging (Debian python3-oslo.messaging, /usr/bin/python3)")
	}
	if out, err := exec.Command(python, "-c", "import oslo_messaging").CombinedOutput(); err != nil {
		t.Skipf("%s cannot import oslo_messaging (apt-get install python3-oslo.messaging): %v: %s", python, err, out)
	}
	_, rest, ok := strings.Cut(u, "://")
	require.True(t, ok, "%s has no scheme", envRabbitURL)
	return "rabbit://" + rest
}

// withQuery adds query options to a URL.
func withQuery(u, q string) string {
	if q == "" {
		return u
	}
	if strings.Contains(u, "?") {
		return u + "&" + q
	}
	return u + "?" + q
}

// pySpec is what oslo_interop.py is told.
type pySpec struct {
	URL           string         `json:"url"`
	Exchange      string         `json:"exchange"`
	Topic         string         `json:"topic"`
	Driver        string         `json:"driver,omitempty"`
	PublisherID   string         `json:"publisher_id,omitempty"`
	Notifications []pyNotifySpec `json:"notifications,omitempty"`
	Pool          *string        `json:"pool,omitempty"`
	Priorities    []string       `json:"priorities,omitempty"`
	Count         int            `json:"count,omitempty"`
	Timeout       float64        `json:"timeout,omitempty"`
}

type pyNotifySpec struct {
	Priority  string         `json:"priority"`
	EventType string         `json:"event_type"`
	Payload   any            `json:"payload"`
	Context   map[string]any `json:"context"`
}

// pySent is one notification oslo's test driver recorded next to the
// messaging driver: the message dict as sent.
type pySent struct {
	Ctxt     map[string]any  `json:"ctxt"`
	Message  json.RawMessage `json:"message"`
	Priority string          `json:"priority"`
}

// fields decodes the sent message dict.
func (s pySent) fields(t *testing.T) map[string]any {
	var m map[string]any
	require.NoError(t, json.Unmarshal(s.Message, &m))
	return m
}

// pyReceived is one notification an oslo listener got.
type pyReceived struct {
	Priority    string          `json:"priority"`
	Ctxt        map[string]any  `json:"ctxt"`
	PublisherID *string         `json:"publisher_id"`
	EventType   string          `json:"event_type"`
	Payload     json.RawMessage `json:"payload"`
	Metadata    struct {
		MessageID string `json:"message_id"`
		Timestamp string `json:"timestamp"`
	} `json:"metadata"`
}

// osloNotify sends notifications with oslo's Notifier and returns what it
// sent.
func osloNotify(t *testing.T, spec pySpec) []pySent {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), pyTimeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, interopPy, "notify", mustJSON(t, spec))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "oslo notifier failed: %s", stderr.String())
	var sent []pySent
	require.NoError(t, json.Unmarshal(out, &sent), "oslo notifier output: %s\nstderr: %s", out, stderr.String())
	require.Len(t, sent, len(spec.Notifications), "oslo notifier stderr: %s", stderr.String())
	return sent
}

// pyListener is a running oslo notification listener.
type pyListener struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer
	got    chan pyReceived
	done   chan struct{}

	mu  sync.Mutex
	all []pyReceived
}

// startOsloListener starts an oslo listener and waits until it consumes.
// It is stopped (stdin closed) at cleanup if the test did not stop it.
func startOsloListener(t *testing.T, spec pySpec) *pyListener {
	t.Helper()
	if spec.Timeout == 0 {
		spec.Timeout = pyTimeout.Seconds()
	}
	l := &pyListener{t: t, got: make(chan pyReceived, 1024), done: make(chan struct{})}
	l.cmd = exec.Command(python, interopPy, "listen", mustJSON(t, spec))
	l.cmd.Stderr = &l.stderr
	var err error
	l.stdin, err = l.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := l.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, l.cmd.Start())
	t.Cleanup(func() { l.stop() })

	ready := make(chan struct{})
	go func() {
		defer close(l.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			line := sc.Text()
			if line == "READY" {
				close(ready)
				continue
			}
			var r pyReceived
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				continue
			}
			l.mu.Lock()
			l.all = append(l.all, r)
			l.mu.Unlock()
			l.got <- r
		}
	}()
	select {
	case <-ready:
	case <-l.done:
		t.Fatalf("oslo listener exited before it was ready: %s", l.stderr.String())
	case <-time.After(pyTimeout):
		t.Fatalf("oslo listener not ready after %s: %s", pyTimeout, l.stderr.String())
	}
	return l
}

// stop ends the listener (it finishes what it is handling) and returns
// everything it received.
func (l *pyListener) stop() []pyReceived {
	_ = l.stdin.Close()
	select {
	case <-l.done:
	case <-time.After(pyTimeout):
		_ = l.cmd.Process.Kill()
		<-l.done
	}
	_ = l.cmd.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]pyReceived(nil), l.all...)
}

// next waits for the listener's next notification.
func (l *pyListener) next() pyReceived {
	l.t.Helper()
	select {
	case r := <-l.got:
		return r
	case <-time.After(waitTimeout):
		l.t.Fatalf("the oslo listener received nothing within %s; stderr: %s", waitTimeout, l.stderr.String())
	}
	return pyReceived{}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// recorder endpoint: every priority, results from a function.

// harkEndpoint records what a hark listener dispatches.
type harkEndpoint struct {
	got    chan *dispatcher.Notification
	result func(n *dispatcher.Notification) dispatcher.Result
}

func newHarkEndpoint() *harkEndpoint {
	return &harkEndpoint{got: make(chan *dispatcher.Notification, 1024)}
}

func (e *harkEndpoint) handle(n *dispatcher.Notification) dispatcher.Result {
	e.got <- n
	if e.result != nil {
		return e.result(n)
	}
	return dispatcher.Handled
}

func (e *harkEndpoint) Audit(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.handle(n)
}
func (e *harkEndpoint) Debug(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.handle(n)
}
func (e *harkEndpoint) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.handle(n)
}
func (e *harkEndpoint) Warn(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.handle(n)
}
func (e *harkEndpoint) Error(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.handle(n)
}
func (e *harkEndpoint) Critical(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.handle(n)
}
func (e *harkEndpoint) Sample(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.handle(n)
}

// next waits for the endpoint's next notification.
func (e *harkEndpoint) next(t *testing.T) *dispatcher.Notification {
	t.Helper()
	select {
	case n := <-e.got:
		return n
	case <-time.After(waitTimeout):
		t.Fatalf("the hark listener received nothing within %s", waitTimeout)
	}
	return nil
}

// quiet checks that nothing more arrives within d.
func (e *harkEndpoint) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case n := <-e.got:
		t.Errorf("unexpected notification %s (%s), delivery %d", n.Metadata.MessageID, n.EventType, n.Metadata.Deliveries)
	case <-time.After(d):
	}
}

// startHarkListener starts a notify.Listener, stopped at cleanup.
func startHarkListener(t *testing.T, l *notify.Listener) {
	t.Helper()
	require.NoError(t, l.Start(t.Context()))
	t.Cleanup(func() {
		l.Stop()
		// Not t.Context(): it is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = l.Wait(ctx)
	})
}
