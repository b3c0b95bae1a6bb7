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

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// errLost is the error of a settlement a flakyTransport loses.
var errLost = errors.New("connection lost")

// flakyTransport loses the next failAcks acknowledgements and the next
// failRequeues requeues the way a lost connection does: the broker gets
// the message back and redelivers it, and the caller gets an error.
type flakyTransport struct {
	transport.Transport
	failAcks     atomic.Int32
	failRequeues atomic.Int32
}

func (f *flakyTransport) Listen(ctx context.Context, cfg transport.ListenConfig) (transport.Listener, error) {
	l, err := f.Transport.Listen(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &flakyListener{Listener: l, f: f}, nil
}

type flakyListener struct {
	transport.Listener
	f *flakyTransport
}

func (l *flakyListener) Next(ctx context.Context) (transport.Delivery, error) {
	d, err := l.Listener.Next(ctx)
	if err != nil {
		return nil, err
	}
	return &flakyDelivery{Delivery: d, f: l.f}, nil
}

type flakyDelivery struct {
	transport.Delivery
	f *flakyTransport
}

// take reports whether a failure is left in n, using it up.
func take(n *atomic.Int32) bool {
	for {
		v := n.Load()
		if v <= 0 {
			return false
		}
		if n.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

func (d *flakyDelivery) Ack(ctx context.Context) error {
	if take(&d.f.failAcks) {
		_ = d.Delivery.Requeue(ctx, 0)
		return errLost
	}
	return d.Delivery.Ack(ctx)
}

func (d *flakyDelivery) Requeue(ctx context.Context, delay time.Duration) error {
	if take(&d.f.failRequeues) {
		_ = d.Delivery.Requeue(ctx, 0)
		return errLost
	}
	return d.Delivery.Requeue(ctx, delay)
}

// encoded is one notification encoded once, to be sent as often as a
// test likes: every copy has the same ids.
func encoded(t *testing.T) transport.Message {
	t.Helper()
	m := &oslo.OsloMessage{MessageID: oslo.NewMessageID(), UniqueID: oslo.NewUniqueID(), Priority: "INFO", EventType: "e", Payload: []byte(`1`)}
	msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{})
	require.NoError(t, err)
	return msg
}

// TestDedup_failed_ack_is_remembered: a handled notification whose
// acknowledgement is lost is redelivered; the redelivery is recognised,
// acknowledged without dispatch and counted, and nothing comes back.
func TestDedup_failed_ack_is_remembered(t *testing.T) {
	tr := &flakyTransport{Transport: newTransport(t)}
	tr.failAcks.Store(1)
	ep, ev := &recorder{}, &events{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithObserver(ev.add))
	require.NoError(t, err)
	start(t, l)

	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return ev.count(notify.EventDuplicate) == 1 }, "the redelivery was recognised as a duplicate")
	quiet(t, func() bool { return ev.count(notify.EventReceived) > 2 }, "the duplicate's acknowledgement did not settle it")
	assert.Equal(t, 1, ep.count(), "dispatched once")
	assert.Equal(t, 1, ev.count(notify.EventAbandoned), "the lost acknowledgement")
	assert.Zero(t, ev.count(notify.EventAcked))
}

// TestDedup_every_duplicate_is_counted: when the duplicate's
// acknowledgement is lost too, the next redelivery is recognised again,
// and each is counted.
func TestDedup_every_duplicate_is_counted(t *testing.T) {
	tr := &flakyTransport{Transport: newTransport(t)}
	tr.failAcks.Store(3)
	ep, ev := &recorder{}, &events{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithObserver(ev.add))
	require.NoError(t, err)
	start(t, l)

	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return ev.count(notify.EventDuplicate) == 3 }, "three redeliveries recognised")
	quiet(t, func() bool { return ev.count(notify.EventReceived) > 4 }, "the last acknowledgement did not settle it")
	assert.Equal(t, 1, ep.count(), "dispatched once")
	assert.Equal(t, 4, ev.count(notify.EventDuplicate)+ev.count(notify.EventAbandoned),
		"every delivery ends in exactly one event")
}

// TestDedup_dropped_with_a_failed_ack_is_remembered: a requeue on a
// listener that does not allow requeue acknowledges (drops) the
// notification as oslo does; when that acknowledgement is lost, the
// redelivery is a duplicate too (oslo remembers every acknowledged id).
func TestDedup_dropped_with_a_failed_ack_is_remembered(t *testing.T) {
	tr := &flakyTransport{Transport: newTransport(t)}
	tr.failAcks.Store(1)
	ep, ev := &recorder{next: []dispatcher.Result{dispatcher.Requeue}}, &events{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithObserver(ev.add))
	require.NoError(t, err)
	start(t, l)

	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return ev.count(notify.EventDuplicate) == 1 }, "the redelivery was recognised as a duplicate")
	assert.Equal(t, 1, ep.count())
}

// TestDedup_requeued_is_dispatched_again: a requeue, even one whose
// call failed, is not remembered.
func TestDedup_requeued_is_dispatched_again(t *testing.T) {
	for _, lost := range []bool{false, true} {
		t.Run(map[bool]string{false: "requeued", true: "requeue lost"}[lost], func(t *testing.T) {
			tr := &flakyTransport{Transport: newTransport(t)}
			if lost {
				tr.failRequeues.Store(1)
			}
			ep, ev := &recorder{next: []dispatcher.Result{dispatcher.Requeue}}, &events{}
			l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, allowRequeue, notify.WithObserver(ev.add))
			require.NoError(t, err)
			start(t, l)

			send(t, tr, topic, transport.Info, nil, "e", 1)
			eventually(t, func() bool { return ev.count(notify.EventAcked) == 1 }, "handled on the second delivery")
			assert.Equal(t, 2, ep.count())
			assert.Equal(t, 2, ep.calls()[1].Deliveries)
			assert.Zero(t, ev.count(notify.EventDuplicate))
		})
	}
}

// TestDedup_dead_lettered_then_replayed_is_dispatched_again: a dead
// letter replayed under its original ids is dispatched.
func TestDedup_dead_lettered_then_replayed_is_dispatched_again(t *testing.T) {
	tr := newTransport(t)
	ep, ev := &recorder{next: []dispatcher.Result{dispatcher.Reject(errors.New("bad"))}}, &events{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithObserver(ev.add))
	require.NoError(t, err)
	start(t, l)

	msg := encoded(t)
	require.NoError(t, tr.Send(t.Context(), topic, transport.Info, msg))
	eventually(t, func() bool { return ev.count(notify.EventDeadLettered) == 1 }, "dead-lettered")
	require.NoError(t, tr.Send(t.Context(), topic, transport.Info, msg))
	eventually(t, func() bool { return ev.count(notify.EventAcked) == 1 }, "the replay was handled")
	assert.Equal(t, 2, ep.count())
	assert.Zero(t, ev.count(notify.EventDuplicate))
}

// TestDedup_abandoned_by_a_forced_shutdown_is_dispatched_again: a
// handler cancelled by the shutdown deadline leaves its notification
// unsettled and unremembered; the same listener started again gets it.
func TestDedup_abandoned_by_a_forced_shutdown_is_dispatched_again(t *testing.T) {
	tr := newTransport(t)
	ep := &stuckOnce{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithExecutor(executor.Pooled(2)))
	require.NoError(t, err)
	require.NoError(t, l.Start(t.Context()))
	send(t, tr, topic, transport.Info, nil, "e", 1)
	eventually(t, func() bool { return ep.calls.Load() == 1 }, "dispatched")
	l.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, l.Wait(ctx), context.DeadlineExceeded)

	start(t, l)
	eventually(t, func() bool { return ep.calls.Load() == 2 }, "dispatched again after the restart")
}

// stuckOnce blocks its first call until the handler's context is
// cancelled; later calls are handled at once.
type stuckOnce struct{ calls atomic.Int32 }

func (s *stuckOnce) Info(ctx context.Context, _ *dispatcher.Notification) dispatcher.Result {
	if s.calls.Add(1) == 1 {
		<-ctx.Done()
		return dispatcher.RequeueWith(ctx.Err())
	}
	return dispatcher.Handled
}

// TestDedup_window: a copy within the window is suppressed; one after
// it is dispatched. On synctest's clock, so that a busy machine cannot
// stretch "within the window" past it.
func TestDedup_window(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const window = 200 * time.Millisecond
		tr := newTransport(t)
		ep, ev := &recorder{}, &events{}
		l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithDedupWindow(window), notify.WithObserver(ev.add))
		require.NoError(t, err)
		start(t, l)

		msg := encoded(t)
		require.NoError(t, tr.Send(t.Context(), topic, transport.Info, msg))
		synctest.Wait()
		require.Equal(t, 1, ev.count(notify.EventAcked), "handled")
		time.Sleep(window - time.Millisecond)
		require.NoError(t, tr.Send(t.Context(), topic, transport.Info, msg))
		synctest.Wait()
		require.Equal(t, 1, ev.count(notify.EventDuplicate), "a copy within the window is a duplicate")

		time.Sleep(2 * time.Millisecond) // the id, recorded window+1ms ago, ages out
		require.NoError(t, tr.Send(t.Context(), topic, transport.Info, msg))
		synctest.Wait()
		assert.Equal(t, 2, ev.count(notify.EventAcked), "a copy after the window is dispatched")
		assert.Equal(t, 2, ep.count())
		assert.Equal(t, 1, ev.count(notify.EventDuplicate))
	})
}

// TestDedup_size_bound: with room for one id, the second notification
// pushes out the first, whose copy is then dispatched again.
func TestDedup_size_bound(t *testing.T) {
	tr := newTransport(t)
	ep, ev := &recorder{}, &events{}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithDedup(1),
		notify.WithExecutor(executor.Blocking()), notify.WithObserver(ev.add))
	require.NoError(t, err)
	start(t, l)

	first, second := encoded(t), encoded(t)
	for _, m := range []transport.Message{first, second, second, first} {
		require.NoError(t, tr.Send(t.Context(), topic, transport.Info, m))
	}
	eventually(t, func() bool { return ev.count(notify.EventAcked) == 3 }, "first, second, first again")
	assert.Equal(t, 1, ev.count(notify.EventDuplicate), "the second's copy")
	assert.Equal(t, 3, ep.count())
}
