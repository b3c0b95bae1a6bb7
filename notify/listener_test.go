package notify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

var topic = target.Target{Topic: "topic"}

// deadLetters reads n dead-letter records from the topic's default
// dead-letter topic.
func deadLetters(t *testing.T, tr transport.Transport, src target.Target, n int) []transport.DeadLetter {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	l, err := tr.Listen(ctx, transport.ListenConfig{
		Targets:    []target.Target{{Exchange: src.Exchange, Topic: src.Topic + ".dlq"}},
		Priorities: transport.Priorities(),
	})
	require.NoError(t, err)
	defer l.Close()
	var out []transport.DeadLetter
	for range n {
		d, err := l.Next(ctx)
		require.NoError(t, err, "waiting for a dead letter")
		dl, err := transport.ParseDeadLetter(d.Message())
		require.NoError(t, err)
		require.NoError(t, d.Ack(ctx))
		out = append(out, dl)
	}
	return out
}

func TestLifecycle_no_call_order_hangs(t *testing.T) {
	tr := newTransport(t)
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{&recorder{}})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()

	l.Stop()                        // before Start: no-op
	require.NoError(t, l.Wait(ctx)) // before Start: returns at once

	require.NoError(t, l.Start(ctx))
	require.NoError(t, l.Start(ctx), "a redundant Start is ignored")

	short, cancelShort := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancelShort()
	err = l.Wait(short) // before Stop: bounded by its context
	require.ErrorIs(t, err, context.DeadlineExceeded)

	l.Stop()
	l.Stop()
	require.NoError(t, l.Wait(ctx))
	require.NoError(t, l.Wait(ctx), "a second Wait returns at once")

	require.NoError(t, l.Start(ctx), "restart after Wait")
	l.Stop()
	require.NoError(t, l.Start(ctx), "Start after Stop finishes the previous run first")
	l.Stop()
	require.NoError(t, l.Wait(ctx))
}

func TestLifecycle_start_context_cancel_stops(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, l.Start(ctx))
	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return ep.count() == 1 }, "delivered")
	cancel()
	wctx, wcancel := context.WithTimeout(t.Context(), waitFor)
	defer wcancel()
	require.NoError(t, l.Wait(wctx), "Wait returns once the start context stopped the listener")
	send(t, tr, topic, transport.Info, nil, "e", 2)
	quiet(t, func() bool { return ep.count() > 1 }, "a stopped listener dispatched")
}

func TestRequeue_max_deliveries_dead_letters(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{name: "always-requeue"}
	for range 10 {
		ep.next = append(ep.next, dispatcher.RequeueWith(errors.New("database down")))
	}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep},
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, MaxDeliveries: 3}), notify.WithPool("billing"))
	require.NoError(t, err)
	start(t, l)
	send(t, tr, topic, transport.Info, map[string]any{"user": "u1"}, "compute.instance.create.end", map[string]any{"a": 1})

	dls := deadLetters(t, tr, topic, 1)
	assert.Equal(t, 3, ep.count(), "delivered exactly MaxDeliveries times")
	dl := dls[0]
	assert.Equal(t, transport.ReasonMaxDeliveries, dl.Info.Reason)
	assert.Equal(t, "database down", dl.Info.LastError)
	assert.Equal(t, "always-requeue", dl.Info.Endpoint)
	assert.Equal(t, 3, dl.Deliveries)
	assert.Equal(t, "billing", dl.Source.Pool)
	assert.Equal(t, "topic", dl.Source.Target.Topic)
	assert.Equal(t, transport.Info, dl.Source.Priority)
	om, err := oslo.DecodeNotification(dl.Original)
	require.NoError(t, err, "the record keeps a replayable original")
	assert.Equal(t, "compute.instance.create.end", om.EventType)
}

func TestRequeue_backoff_delays_redelivery(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{next: []dispatcher.Result{dispatcher.Requeue}}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep},
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, Backoff: []time.Duration{300 * time.Millisecond}}))
	require.NoError(t, err)
	start(t, l)
	begin := time.Now()
	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return ep.count() == 2 }, "redelivered after the backoff")
	assert.GreaterOrEqual(t, time.Since(begin), 300*time.Millisecond, "redelivered before the backoff")
}

func TestRequeue_not_allowed_drops_with_warning(t *testing.T) {
	tr := newTransport(t)
	core, logs := observer.New(zap.WarnLevel)
	ep := &recorder{next: []dispatcher.Result{dispatcher.Requeue}}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithLogger(zap.New(core)))
	require.NoError(t, err)
	start(t, l)
	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return logs.FilterMessageSnippet("requeue is not allowed").Len() == 1 }, "drop logged")
	quiet(t, func() bool { return ep.count() > 1 }, "redelivered although requeue is not allowed")
}

func TestReject_dead_letters_at_once(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{name: "webhook", next: []dispatcher.Result{dispatcher.Reject(errors.New("HTTP 400 Bad Request"))}}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, allowRequeue)
	require.NoError(t, err)
	start(t, l)
	send(t, tr, topic, transport.Info, nil, "e", 1)
	dl := deadLetters(t, tr, topic, 1)[0]
	assert.Equal(t, transport.ReasonRejected, dl.Info.Reason)
	assert.Equal(t, "HTTP 400 Bad Request", dl.Info.LastError)
	assert.Equal(t, "webhook", dl.Info.Endpoint)
	assert.Equal(t, 1, ep.count())
}

type errorRecorder struct{ recorder }

func (e *errorRecorder) Error(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.record("error", n)
}

func TestDecodeError_dead_letters_never_requeues(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, allowRequeue)
	require.NoError(t, err)
	start(t, l)
	garbage := []byte(`{"oslo.version": "2.0", "oslo.message": "{not json"}`)
	require.NoError(t, tr.Send(t.Context(), topic, transport.Info, transport.Message{Body: garbage, Header: transport.Header{"x-trace": "t1"}}))
	dl := deadLetters(t, tr, topic, 1)[0]
	assert.Equal(t, transport.ReasonDecode, dl.Info.Reason)
	assert.Contains(t, dl.Info.LastError, "decode")
	assert.Equal(t, garbage, dl.Original.Body, "the original body is kept byte for byte")
	assert.Equal(t, transport.Header{"x-trace": "t1"}, dl.Original.Header)
	assert.Equal(t, 0, ep.count())
}

func TestPanic_becomes_requeue(t *testing.T) {
	tr := newTransport(t)
	var calls atomic.Int32
	ep := panicky{calls: &calls}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, allowRequeue)
	require.NoError(t, err)
	start(t, l)
	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return calls.Load() == 2 }, "redelivered after the panic")
}

type panicky struct{ calls *atomic.Int32 }

func (p panicky) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	if p.calls.Add(1) == 1 {
		panic("boom")
	}
	return dispatcher.Handled
}

func TestDuplicates_acknowledged_not_dispatched(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep})
	require.NoError(t, err)
	start(t, l)
	m := &oslo.OsloMessage{MessageID: oslo.NewMessageID(), UniqueID: oslo.NewUniqueID(), Priority: "INFO", EventType: "e", Payload: []byte(`1`)}
	msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{})
	require.NoError(t, err)
	require.NoError(t, tr.Send(t.Context(), topic, transport.Info, msg))
	eventually(t, func() bool { return ep.count() == 1 }, "first copy dispatched")
	require.NoError(t, tr.Send(t.Context(), topic, transport.Info, msg))
	quiet(t, func() bool { return ep.count() > 1 }, "the duplicate was dispatched")
}

type slow struct {
	d     time.Duration
	calls atomic.Int32
}

func (s *slow) Info(ctx context.Context, _ *dispatcher.Notification) dispatcher.Result {
	s.calls.Add(1)
	select {
	case <-time.After(s.d):
		return dispatcher.Handled
	case <-ctx.Done():
		return dispatcher.RequeueWith(ctx.Err())
	}
}

// TestAutoExtend_keeps_a_long_handler_exclusive runs on synctest's
// clock: the lease keeper's timers fire on time however busy the machine,
// so a redelivery can only mean the lease was not extended.
func TestAutoExtend_keeps_a_long_handler_exclusive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const lease, handler = 200 * time.Millisecond, 700 * time.Millisecond
		tr := newTransport(t)
		ep := &slow{d: handler}
		targets := []target.Target{topic}
		l1, err := notify.NewListener(tr, targets, []any{ep}, notify.WithLease(lease))
		require.NoError(t, err)
		l2, err := notify.NewListener(tr, targets, []any{ep}, notify.WithLease(lease))
		require.NoError(t, err)
		start(t, l1)
		start(t, l2)
		send(t, tr, topic, transport.Info, nil, "e", 1)
		synctest.Wait()
		require.Equal(t, int32(1), ep.calls.Load(), "dispatched")
		time.Sleep(handler + lease) // the handler ends, and a lease would have run out again
		synctest.Wait()
		assert.Equal(t, int32(1), ep.calls.Load(), "redelivered while the handler ran")
	})
}

func TestWait_deadline_gives_unsettled_back(t *testing.T) {
	tr := newTransport(t)
	stuck := &slow{d: time.Hour}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{stuck}, notify.WithExecutor(executor.Pooled(2)))
	require.NoError(t, err)
	require.NoError(t, l.Start(t.Context()))
	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return stuck.calls.Load() == 1 }, "dispatched")
	l.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, l.Wait(ctx), context.DeadlineExceeded)

	// The unsettled notification goes back to the broker: another listener gets it.
	ep := &recorder{}
	l2, err := notify.NewListener(tr, []target.Target{topic}, []any{ep})
	require.NoError(t, err)
	start(t, l2)
	eventually(t, func() bool { return ep.count() == 1 }, "the abandoned notification was redelivered")
	assert.Equal(t, 2, ep.calls()[0].Deliveries)
}

// limited reports fewer capabilities than the memory driver has.
type limited struct {
	transport.Transport
	caps transport.Capabilities
}

func (l limited) Capabilities() transport.Capabilities { return l.caps }

func TestCapabilities_refused_with_clear_errors(t *testing.T) {
	tr := limited{Transport: newTransport(t)}
	_, err := notify.NewListener(tr, []target.Target{topic}, []any{&recorder{}}, allowRequeue)
	require.ErrorIs(t, err, notify.ErrUnsupported)
	require.ErrorIs(t, err, transport.ErrNotSupported)
	assert.Contains(t, err.Error(), `"requeue"`)

	_, err = notify.NewListener(tr, []target.Target{topic}, []any{&recorder{}}, notify.WithPool("p"))
	require.ErrorIs(t, err, notify.ErrUnsupported)
	assert.Contains(t, err.Error(), `"pools"`)

	tr.caps = transport.Capabilities{Requeue: true}
	_, err = notify.NewListener(tr, []target.Target{topic}, []any{&recorder{}},
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, Backoff: []time.Duration{time.Second}}))
	require.ErrorIs(t, err, notify.ErrUnsupported)
	assert.Contains(t, err.Error(), `"delayed-requeue"`)
}

func TestNewListener_errors(t *testing.T) {
	tr := newTransport(t)
	_, err := notify.NewListener(tr, []target.Target{topic}, nil)
	require.ErrorIs(t, err, notify.ErrNoEndpoints)

	_, err = notify.NewListener(tr, []target.Target{topic}, []any{struct{}{}})
	require.Error(t, err, "an endpoint that implements no priority")

	_, err = notify.NewListener(tr, []target.Target{topic}, []any{&recorder{}}, notify.WithPool("bad pool"))
	require.ErrorIs(t, err, target.ErrInvalidTarget)

	_, err = notify.NewBatchListener(tr, []target.Target{topic}, []any{&batchRecorder{}}, 10, 0, notify.WithPrefetch(5))
	require.ErrorIs(t, err, notify.ErrInvalidOption)

	_, err = notify.NewBatchListener(tr, []target.Target{topic}, []any{&recorder{}}, 10, 0)
	require.Error(t, err, "single-form endpoint on a batch listener")
}

func TestPriorityRouting_only_subscribed_priorities(t *testing.T) {
	tr := newTransport(t)
	ep := &errorRecorder{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep})
	require.NoError(t, err)
	assert.ElementsMatch(t, []transport.Priority{transport.Info, transport.Error}, l.Priorities())
	start(t, l)
	send(t, tr, topic, transport.Error, nil, "e.error", 1)
	send(t, tr, topic, transport.Warn, nil, "e.warn", 1)
	send(t, tr, topic, transport.Info, nil, "e.info", 1)
	eventually(t, func() bool { return ep.count() == 2 }, "info and error delivered")
	quiet(t, func() bool { return ep.count() > 2 }, "warn delivered")
	methods := map[string]string{}
	for _, c := range ep.calls() {
		methods[c.EventType] = c.Method
	}
	assert.Equal(t, map[string]string{"e.error": "error", "e.info": "info"}, methods)
}

type rawRecorder struct {
	got chan *dispatcher.Notification
}

func (r rawRecorder) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	r.got <- n
	return dispatcher.Handled
}

func TestNotification_Raw_and_Source(t *testing.T) {
	tr := newTransport(t)
	ep := rawRecorder{got: make(chan *dispatcher.Notification, 1)}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithPool("fwd"))
	require.NoError(t, err)
	start(t, l)
	m := &oslo.OsloMessage{MessageID: oslo.NewMessageID(), UniqueID: oslo.NewUniqueID(), Priority: "INFO", EventType: "e", Payload: []byte(`{"a": 1}`)}
	msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Compression: "gzip"})
	require.NoError(t, err)
	require.NoError(t, tr.Send(t.Context(), topic, transport.Info, msg))
	n := <-ep.got
	assert.Equal(t, msg.Body, n.Raw().Body, "the raw body is kept byte for byte (here compressed)")
	assert.Equal(t, msg.Header, n.Raw().Header)
	assert.Equal(t, "fwd", n.Source().Pool)
	assert.Equal(t, "topic", n.Source().Target.Topic)
	assert.Equal(t, "openstack", n.Source().Target.Exchange)
	assert.Equal(t, transport.Info, n.Source().Priority)
}
