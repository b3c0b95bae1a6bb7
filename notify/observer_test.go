package notify_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

type events struct {
	mu  sync.Mutex
	all []notify.Event
}

func (e *events) add(ev notify.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) count(k notify.EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

func TestObserver_every_delivery_received_then_settled_once(t *testing.T) {
	tr := newTransport(t)
	ev := &events{}
	ep := &recorder{next: []dispatcher.Result{dispatcher.Requeue, dispatcher.Requeue}}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithPool("p"),
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, MaxDeliveries: 2}), notify.WithObserver(ev.add))
	require.NoError(t, err)
	start(t, l)

	send(t, tr, topic, transport.Info, nil, "requeued-then-dead", 1) // 2 deliveries: requeue, dead letter
	require.NoError(t, tr.Send(t.Context(), topic, transport.Info, transport.Message{Body: []byte("not json")}))
	eventually(t, func() bool { return ev.count(notify.EventDeadLettered) == 2 }, "two dead letters")
	send(t, tr, topic, transport.Info, nil, "handled", 1)
	eventually(t, func() bool { return ev.count(notify.EventAcked) == 1 }, "one ack")

	assert.Equal(t, 4, ev.count(notify.EventReceived))
	assert.Equal(t, 1, ev.count(notify.EventRequeued))
	settled := ev.count(notify.EventAcked) + ev.count(notify.EventRequeued) + ev.count(notify.EventDeadLettered)
	assert.Equal(t, ev.count(notify.EventReceived), settled, "every delivery settled exactly once")
	reasons := map[string]bool{}
	ev.mu.Lock()
	for _, e := range ev.all {
		assert.Equal(t, "p", e.Pool)
		assert.Equal(t, transport.Info, e.Priority)
		if e.Kind == notify.EventDeadLettered {
			reasons[e.Reason] = true
		}
	}
	ev.mu.Unlock()
	assert.Equal(t, map[string]bool{transport.ReasonMaxDeliveries: true, transport.ReasonDecode: true}, reasons)
}
