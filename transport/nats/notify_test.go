package nats_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
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
	ctx := within(t, waitFor)
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
