package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
	"github.com/harkmq/hark/transport/oslo"
)

const waitFor = 10 * time.Second

// newTransport returns a memory transport on a broker of its own.
func newTransport(t testing.TB) transport.Transport {
	t.Helper()
	b := memory.NewBroker()
	tr, err := b.Transport()
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = tr.Close()
		b.Close()
	})
	return tr
}

// send publishes one notification as oslo's messagingv2 notifier does.
func send(t *testing.T, tr transport.Transport, tgt target.Target, p transport.Priority, ctxt map[string]any, eventType string, payload any) string {
	t.Helper()
	raw, err := json.Marshal(payload)
	require.NoError(t, err)
	m := &oslo.OsloMessage{
		MessageID:   oslo.NewMessageID(),
		PublisherID: "testpublisher",
		EventType:   eventType,
		Priority:    p.Upper(),
		Payload:     raw,
		Timestamp:   oslo.FormatTimestamp(time.Now()),
		Context:     ctxt,
		UniqueID:    oslo.NewUniqueID(),
	}
	msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{})
	require.NoError(t, err)
	require.NoError(t, tr.Send(t.Context(), tgt, p, msg))
	return m.MessageID
}

// start starts l and registers a cleanup that stops and waits for it.
func start(t *testing.T, l interface {
	Start(context.Context) error
	Stop()
	Wait(context.Context) error
}) {
	t.Helper()
	require.NoError(t, l.Start(t.Context()))
	t.Cleanup(func() {
		l.Stop()
		// Not t.Context(): it is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		assert.NoError(t, l.Wait(ctx))
	})
}

// call is one endpoint invocation as oslo's tests record it.
type call struct {
	Method      string
	Context     map[string]any
	PublisherID string
	EventType   string
	Payload     any
	MessageID   string
	Timestamp   string
	Deliveries  int
}

// recorder is an endpoint that records info/error/warn calls and returns
// the results scripted in next (Handled when empty).
type recorder struct {
	name string
	mu   sync.Mutex
	log  []call
	next []dispatcher.Result
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) record(method string, n *dispatcher.Notification) dispatcher.Result {
	var payload any
	_ = json.Unmarshal(n.Payload, &payload)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, call{
		Method: method, Context: n.Context, PublisherID: n.PublisherID, EventType: n.EventType,
		Payload: payload, MessageID: n.Metadata.MessageID, Timestamp: n.Metadata.Timestamp,
		Deliveries: n.Metadata.Deliveries,
	})
	if len(r.next) > 0 {
		res := r.next[0]
		r.next = r.next[1:]
		return res
	}
	return dispatcher.Handled
}

func (r *recorder) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return r.record("info", n)
}

func (r *recorder) calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.log...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

// eventually waits until cond holds.
func eventually(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, waitFor, 5*time.Millisecond, fmt.Sprintf(format, args...))
}

// quiet asserts that cond stays false for a short while: used only for
// "this must not happen" checks, never as a timing assertion.
func quiet(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Never(t, cond, 300*time.Millisecond, 10*time.Millisecond, msg)
}
