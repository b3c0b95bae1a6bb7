package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
	"github.com/harkmq/hark/transport/transporttest"
)

func TestBroker_pool_collects_while_no_member_listens(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	first := listen(t, tr, infoConfig("billing"))
	require.NoError(t, first.Close()) // the pool's queue outlives its members

	sent := transporttest.SendN(t, tr, notifications, transport.Info, "m", 3)
	again := listen(t, newTransport(), infoConfig("billing"))
	got := transporttest.Collect(t, again, 3, timeout)
	assert.Equal(t, transporttest.MessageBodies(sent), transporttest.Bodies(got), "in send order")
	transporttest.AssertNoDelivery(t, quiet, again)
}

func TestBroker_pool_is_bound_to_every_members_keys(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	other := target.Target{Exchange: "glance", Topic: "image"}
	a := listen(t, tr, infoConfig("audit"))
	b := listen(t, tr, transport.ListenConfig{Targets: []target.Target{other}, Priorities: []transport.Priority{transport.Error}, Pool: "audit"})
	require.NoError(t, b.Close()) // its binding stays, as on RabbitMQ

	transporttest.Send(t, tr, notifications, transport.Info, transporttest.NewMessage("m", 0))
	transporttest.Send(t, tr, other, transport.Error, transporttest.NewMessage("m", 1))
	transporttest.Send(t, tr, notifications, transport.Warn, transporttest.NewMessage("m", 2)) // bound by nobody
	got := transporttest.Collect(t, a, 2, timeout)
	assert.Equal(t, []string{`{"test":"m","n":0}`, `{"test":"m","n":1}`}, transporttest.Bodies(got))
	assert.Equal(t, transport.Source{Target: other, Priority: transport.Error, Pool: "audit"}, got[1].Source())
	transporttest.AssertNoDelivery(t, quiet, a)
}

func TestBroker_Close(t *testing.T) {
	t.Parallel()
	b, newTransport := newBroker(t)
	tr := newTransport()
	ctx := t.Context()
	l := listen(t, tr, transport.ListenConfig{Targets: []target.Target{notifications}, Priorities: []transport.Priority{transport.Info}, Lease: time.Hour})
	transporttest.SendN(t, tr, notifications, transport.Info, "m", 3)
	held := next(t, l)
	delayed := next(t, l)
	require.NoError(t, delayed.Requeue(ctx, time.Hour)) // a pending timer Close must stop

	blocked := make(chan error, 1)
	other := listen(t, newTransport(), transport.ListenConfig{Targets: []target.Target{{Exchange: "x", Topic: "t"}}, Priorities: []transport.Priority{transport.Info}})
	go func() { _, err := other.Next(ctx); blocked <- err }()

	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "idempotent")
	select {
	case err := <-blocked:
		assert.ErrorIs(t, err, transport.ErrClosed, "a blocked Next ends")
	case <-time.After(timeout):
		t.Fatal("a Next blocked on a closed broker did not return")
	}
	_, err := l.Next(ctx)
	assert.ErrorIs(t, err, transport.ErrClosed)
	assert.ErrorIs(t, held.Ack(ctx), transport.ErrClosed, "deliveries were released")
	assert.ErrorIs(t, tr.Send(ctx, notifications, transport.Info, transport.Message{}), transport.ErrClosed)
	_, err = tr.Listen(ctx, infoConfig(""))
	assert.ErrorIs(t, err, transport.ErrClosed)
	_, err = b.Transport()
	assert.ErrorIs(t, err, transport.ErrClosed)
	assert.NoError(t, tr.Close(), "closing a transport of a closed broker")
}

func TestBroker_brokers_are_isolated(t *testing.T) {
	t.Parallel()
	_, newA := newBroker(t)
	_, newB := newBroker(t)
	la := listen(t, newA(), infoConfig(""))
	lb := listen(t, newB(), infoConfig(""))
	transporttest.SendN(t, newA(), notifications, transport.Info, "a", 1)
	assert.Equal(t, `{"test":"a","n":0}`, string(next(t, la).Message().Body))
	transporttest.AssertNoDelivery(t, quiet, lb)
}

func TestBroker_Transport_options(t *testing.T) {
	t.Parallel()
	b, _ := newBroker(t)
	tr, err := b.Transport(transport.WithDefaultExchange("nova"))
	require.NoError(t, err)
	defer tr.Close()
	assert.Equal(t, "nova", tr.DefaultExchange())
	l := listen(t, tr, infoConfig("")) // on nova/notifications
	transporttest.Send(t, tr, target.Target{Topic: "notifications"}, transport.Info, transporttest.NewMessage("m", 0))
	assert.Equal(t, "nova", next(t, l).Source().Target.Exchange)

	_, err = b.Transport(transport.WithDefaultExchange("no.dots"))
	assert.ErrorIs(t, err, target.ErrInvalidTarget)
	_, err = b.Transport(transport.WithLogger(nil))
	assert.ErrorIs(t, err, transport.ErrInvalidConfig)
	tr2, err := b.Transport()
	require.NoError(t, err)
	defer tr2.Close()
	assert.Equal(t, target.DefaultExchange, tr2.DefaultExchange())
}

// A message given back goes back in place: a closed listener's deliveries
// return to the head of the queue, in the order they were handed out,
// ahead of newer messages.
func TestListener_Close_gives_back_in_order(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	cfg := infoConfig("p")
	cfg.Prefetch = 3
	l1 := listen(t, tr, cfg)
	sent := transporttest.SendN(t, tr, notifications, transport.Info, "m", 3)
	for range 3 {
		next(t, l1)
	}
	transporttest.Send(t, tr, notifications, transport.Info, transporttest.NewMessage("m", 3))
	require.NoError(t, l1.Close())

	l2 := listen(t, newTransport(), cfg)
	got := transporttest.Collect(t, l2, 4, timeout)
	want := append(transporttest.MessageBodies(sent), `{"test":"m","n":3}`)
	assert.Equal(t, want, transporttest.Bodies(got))
	assert.Equal(t, []int{2, 2, 2, 1}, []int{got[0].Deliveries(), got[1].Deliveries(), got[2].Deliveries(), got[3].Deliveries()})
}

// An immediate requeue goes back to the head, as RabbitMQ's reject does; a
// delayed one to the tail when its delay is over. A negative delay is 0.
func TestDelivery_Requeue_position(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	l := listen(t, tr, infoConfig(""))
	ctx := t.Context()
	transporttest.SendN(t, tr, notifications, transport.Info, "m", 2)

	d := next(t, l)
	require.NoError(t, d.Requeue(ctx, -time.Second))
	d = next(t, l)
	assert.Equal(t, `{"test":"m","n":0}`, string(d.Message().Body), "requeued at the head")
	assert.Equal(t, 2, d.Deliveries())
	require.NoError(t, d.Requeue(ctx, time.Millisecond))
	got := transporttest.Collect(t, l, 2, timeout)
	assert.Equal(t, []string{`{"test":"m","n":1}`, `{"test":"m","n":0}`}, transporttest.Bodies(got), "delayed requeue rejoins at the tail")
}

// A handler that scribbles on its message touches its own copy only: the
// other pool, the redelivery and the dead-letter record see the message
// as sent.
func TestDelivery_Message_is_the_deliverys_own(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	ctx := t.Context()
	cfg := infoConfig("a")
	cfg.MaxDeliveries = 2
	a := listen(t, tr, cfg)
	b := listen(t, tr, infoConfig("b"))
	dlq := listen(t, tr, transport.ListenConfig{Targets: []target.Target{{Exchange: "nova", Topic: "notifications.dlq"}}, Priorities: []transport.Priority{transport.Info}})
	sent := transport.Message{ID: "id", Body: []byte("body"), Header: transport.Header{"k": "v"}}
	transporttest.Send(t, tr, notifications, transport.Info, sent)

	scribble := func(d transport.Delivery) {
		m := d.Message()
		m.Body[0] = 'X'
		m.Header["k"] = "changed"
	}
	d := next(t, a)
	scribble(d)
	assert.Equal(t, "Xody", string(d.Message().Body), "Message returns the same copy each time")
	require.NoError(t, d.Requeue(ctx, 0))
	d = next(t, a)
	assert.Equal(t, sent, d.Message(), "redelivery")
	scribble(d)
	require.NoError(t, d.Requeue(ctx, 0)) // MaxDeliveries: dead-lettered

	assert.Equal(t, sent, next(t, b).Message(), "the other pool's copy")
	rec, err := transport.ParseDeadLetter(next(t, dlq).Message())
	require.NoError(t, err)
	assert.Equal(t, sent, rec.Original, "the dead-letter record")
}

// A release by Close counts as a delivery, so MaxDeliveries holds across
// members that die holding a message.
func TestDelivery_MaxDeliveries_counts_releases(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	ctx := t.Context()
	cfg := infoConfig("p")
	cfg.MaxDeliveries = 2
	dlq := listen(t, tr, transport.ListenConfig{Targets: []target.Target{{Exchange: "nova", Topic: "notifications.dlq"}}, Priorities: []transport.Priority{transport.Info}})
	l1 := listen(t, tr, cfg)
	transporttest.SendN(t, tr, notifications, transport.Info, "m", 1)
	next(t, l1)
	require.NoError(t, l1.Close())

	l2 := listen(t, newTransport(), cfg)
	d := next(t, l2)
	assert.Equal(t, 2, d.Deliveries())
	require.NoError(t, d.Requeue(ctx, 0))
	rec, err := transport.ParseDeadLetter(next(t, dlq).Message())
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonMaxDeliveries, rec.Info.Reason)
	assert.Equal(t, 2, rec.Deliveries)
	transporttest.AssertNoDelivery(t, quiet, l2)
}

// Next may be called from one goroutine at a time; a second concurrent
// caller waits its turn rather than breaking anything.
func TestListener_concurrent_Next(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	l := listen(t, tr, infoConfig(""))
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	bodies := make(chan string, 2)
	for range 2 {
		go func() {
			d, err := l.Next(ctx)
			if assert.NoError(t, err) {
				bodies <- string(d.Message().Body)
			}
		}()
	}
	transporttest.SendN(t, tr, notifications, transport.Info, "m", 2)
	got := []string{<-bodies, <-bodies}
	assert.ElementsMatch(t, []string{`{"test":"m","n":0}`, `{"test":"m","n":1}`}, got)
}

func TestTransport_Listen_with_done_context(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newTransport().Listen(ctx, infoConfig(""))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestTransport_Capabilities(t *testing.T) {
	t.Parallel()
	b := memory.NewBroker()
	defer b.Close()
	tr, err := b.Transport()
	require.NoError(t, err)
	defer tr.Close()
	c := tr.Capabilities()
	assert.False(t, c.Durable, "in-process: nothing survives a restart")
	assert.NoError(t, c.Require(transport.Capabilities{Requeue: true, DelayedRequeue: true, Pools: true, Ordering: true, Lease: true, DeadLetter: true, Backlog: true}))
}

func TestBroker_WithMaxQueueLength(t *testing.T) {
	t.Parallel()
	b := memory.NewBroker(memory.WithMaxQueueLength(2))
	defer b.Close()
	tr, err := b.Transport()
	require.NoError(t, err)
	sent := transporttest.SendN(t, tr, notifications, transport.Info, "m", 5)
	l := listen(t, tr, infoConfig(""))
	got := transporttest.Collect(t, l, 2, timeout)
	assert.Equal(t, transporttest.MessageBodies(sent[3:]), transporttest.Bodies(got), "the newest two are kept")
	transporttest.AssertNoDelivery(t, quiet, l)
}
