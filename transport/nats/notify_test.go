package nats_test

import (
	"context"
	"errors"
	"sync"
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
	hnats "github.com/harkmq/hark/transport/nats"
)

// requeueOnce requeues each notification's first delivery and handles
// the second.
type requeueOnce struct {
	mu         sync.Mutex
	handled    map[string]int
	deliveries map[string][]int
}

func (e *requeueOnce) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := n.Metadata.MessageID
	e.deliveries[id] = append(e.deliveries[id], n.Metadata.Deliveries)
	if n.Metadata.Deliveries == 1 {
		return dispatcher.Requeue
	}
	e.handled[id]++
	return dispatcher.Handled
}

func (e *requeueOnce) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.handled)
}

// TestNotifyEndToEnd: a notify.Notifier and a pooled notify.Listener with
// requeue and backoff, over JetStream on an embedded server.
func TestNotifyEndToEnd(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	const n = 30
	ep := &requeueOnce{handled: map[string]int{}, deliveries: map[string][]int{}}
	l, err := notify.NewListener(tr, []target.Target{{Topic: "notifications"}}, []any{ep},
		notify.WithPool("e2e"),
		notify.WithExecutor(executor.Pooled(4)),
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, MaxDeliveries: 3, Backoff: []time.Duration{50 * time.Millisecond}}))
	require.NoError(t, err)
	ctx := testutil.Within(t, waitFor)
	require.NoError(t, l.Start(ctx))

	nt, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.host1"), notify.WithDriverNames("messagingv2"), notify.WithTopics("notifications"))
	require.NoError(t, err)
	for i := range n {
		require.NoError(t, nt.Info(ctx, notify.Context{"request_id": "req"}, "compute.instance.update", map[string]int{"i": i}))
	}
	require.Eventually(t, func() bool { return ep.count() == n }, waitFor, 10*time.Millisecond)
	l.Stop()
	require.NoError(t, l.Wait(ctx))

	ep.mu.Lock()
	defer ep.mu.Unlock()
	for id, c := range ep.handled {
		assert.Equal(t, 1, c, "%s handled once", id)
		assert.Equal(t, []int{1, 2}, ep.deliveries[id], "%s: requeued once, then handled", id)
	}
}

// alwaysRequeue asks for redelivery of every notification, with an error.
type alwaysRequeue struct{}

func (alwaysRequeue) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.RequeueWith(errors.New("database down"))
}

// TestNotifyTransportCapNamesTheEndpoint: the delivery cap is decided by
// the driver alone. With no cap in the listener's requeue policy (-1) and
// max_deliveries set on the transport, the driver's cap dead-letters the
// notification, and the record and the listener's event still say which
// endpoint gave it up and why, as when the policy sets the cap.
func TestNotifyTransportCapNamesTheEndpoint(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://", hnats.WithMaxDeliveries(2))
	tg := target.Target{Topic: "capped"}
	dlq, err := tr.Listen(testutil.Within(t, waitFor), transport.ListenConfig{
		Targets: []target.Target{{Topic: "capped.dlq"}}, Priorities: []transport.Priority{transport.Info}, Pool: "dlq"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dlq.Close() })
	var mu sync.Mutex
	var events []notify.Event
	l, err := notify.NewListener(tr, []target.Target{tg}, []any{alwaysRequeue{}},
		notify.WithPool("capped"),
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, MaxDeliveries: -1}),
		notify.WithObserver(func(e notify.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
		}))
	require.NoError(t, err)
	ctx := testutil.Within(t, waitFor)
	require.NoError(t, l.Start(ctx))
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { l.Stop(); _ = l.Wait(context.Background()) })

	nt, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.host1"), notify.WithDriverNames("messagingv2"), notify.WithTopics("capped"))
	require.NoError(t, err)
	require.NoError(t, nt.Info(ctx, notify.Context{}, "compute.instance.update", map[string]int{"i": 1}))

	d, err := dlq.Next(ctx)
	require.NoError(t, err)
	rec, err := transport.ParseDeadLetter(d.Message())
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonMaxDeliveries, rec.Info.Reason)
	assert.Equal(t, 2, rec.Deliveries)
	assert.Equal(t, "database down", rec.Info.LastError, "the record says why")
	assert.Equal(t, "nats_test.alwaysRequeue", rec.Info.Endpoint, "the record names the endpoint")
	assert.NotEmpty(t, rec.Info.ID)
	require.NoError(t, d.Ack(ctx))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range events {
			if e.Kind == notify.EventDeadLettered {
				return e.Reason == transport.ReasonMaxDeliveries
			}
		}
		return false
	}, waitFor, 10*time.Millisecond, "the listener reports the dead letter")
}
