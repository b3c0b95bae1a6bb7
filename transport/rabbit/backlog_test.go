package rabbit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// TestGroupBacklog: non-pooled queues are summed per (exchange, topic); a
// pool's queue covers its topic, or AnyTopic when it serves several; a
// queue bound for several exchanges counts under the first.
func TestGroupBacklog(t *testing.T) {
	cfg := transport.ListenConfig{
		Targets: []target.Target{
			{Exchange: "openstack", Topic: "notifications"},
			{Exchange: "nova", Topic: "versioned.notifications"},
			{Exchange: "neutron", Topic: "notifications"},
		},
		Priorities: []transport.Priority{transport.Info, transport.Error},
	}
	plans := planQueues(cfg)
	require.Len(t, plans, 4, "notifications.* is shared by openstack and neutron")
	assert.Equal(t, []transport.Backlog{
		{Exchange: "openstack", Topic: "notifications", Messages: 1 + 2},
		{Exchange: "nova", Topic: "versioned.notifications", Messages: 3 + 4},
	}, groupBacklog("", plans, []int64{1, 2, 3, 4}))

	cfg.Pool = "billing"
	assert.Equal(t, []transport.Backlog{{Exchange: "openstack", Topic: transport.AnyTopic, Pool: "billing", Messages: 9}},
		groupBacklog("billing", planQueues(cfg), []int64{9}))

	cfg.Targets = cfg.Targets[1:2]
	assert.Equal(t, []transport.Backlog{{Exchange: "nova", Topic: "versioned.notifications", Pool: "billing", Messages: 5}},
		groupBacklog("billing", planQueues(cfg), []int64{5}), "a pool on one topic reports that topic")
}

// backlogOf calls l's Backlog within 10 seconds.
func backlogOf(t *testing.T, l transport.Listener) ([]transport.Backlog, error) {
	t.Helper()
	br, ok := l.(transport.BacklogReporter)
	require.True(t, ok, "a rabbit listener is a BacklogReporter")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return br.Backlog(ctx)
}

// total sums the entries of a backlog.
func total(b []transport.Backlog) int64 {
	var n int64
	for _, e := range b {
		n += e.Messages
	}
	return n
}

// consumeAndClose takes n deliveries from a new listener with cfg, acks
// them, and closes it, so that what it had prefetched goes back.
func consumeAndClose(t *testing.T, tr *Transport, cfg transport.ListenConfig, n int) {
	t.Helper()
	l, err := tr.Listen(t.Context(), cfg)
	require.NoError(t, err)
	for range n {
		d := transporttest.Next(t, l, 10*time.Second)
		require.NoError(t, d.Ack(testutil.Within(t, 10*time.Second)))
	}
	require.NoError(t, l.Close())
}

// TestBacklogNonPooled: the backlog of a non-pooled listener is the ready
// count of its "<topic>.<priority>" queues, per (exchange, topic); it is
// reported while the listener is stopped, drops as another member
// consumes, and is an ErrClosed error after Close.
func TestBacklogNonPooled(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	a := testTarget()
	b := target.Target{Exchange: a.Exchange, Topic: transporttest.UniqueName("harkrabbit-t")}
	cfg := transport.ListenConfig{Targets: []target.Target{a, b}, Priorities: []transport.Priority{transport.Info, transport.Error}, Prefetch: 1}
	l := listenInfo(t, tr, cfg)
	require.NoError(t, l.Stop(), "a stopped listener consumes nothing and still reports")

	ctx := testutil.Within(t, 30*time.Second)
	send := func(tg target.Target, p transport.Priority, n int) {
		for i := range n {
			require.NoError(t, tr.Send(ctx, tg, p, transporttest.NewMessage(tg.Topic+string(p), i)))
		}
	}
	send(a, transport.Info, 3)
	send(a, transport.Error, 2)
	send(b, transport.Info, 1)

	got, err := backlogOf(t, l)
	require.NoError(t, err)
	assert.Equal(t, []transport.Backlog{
		{Exchange: a.Exchange, Topic: a.Topic, Messages: 5},
		{Exchange: b.Exchange, Topic: b.Topic, Messages: 1},
	}, got, "publisher confirms came back, so the broker counts every message")

	consumeAndClose(t, tr, cfg, 4)
	require.Eventually(t, func() bool {
		got, err := backlogOf(t, l)
		return err == nil && total(got) == 2
	}, 10*time.Second, 50*time.Millisecond, "4 of 6 consumed")

	require.NoError(t, l.Close())
	_, err = backlogOf(t, l)
	require.ErrorIs(t, err, transport.ErrClosed)
}

// TestBacklogPool: a pool's queue serving two topics is reported under
// AnyTopic; a member consuming makes it drop; a deleted queue counts 0.
func TestBacklogPool(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	a := testTarget()
	b := target.Target{Exchange: a.Exchange, Topic: transporttest.UniqueName("harkrabbit-t")}
	pool := transporttest.UniqueName("harkrabbit-pool")
	cfg := transport.ListenConfig{Targets: []target.Target{a, b}, Priorities: []transport.Priority{transport.Info}, Pool: pool, Prefetch: 1}
	l := listenInfo(t, tr, cfg)
	require.NoError(t, l.Stop())

	ctx := testutil.Within(t, 30*time.Second)
	const n = 7
	for i := range n {
		tg := a
		if i%2 == 1 {
			tg = b
		}
		require.NoError(t, tr.Send(ctx, tg, transport.Info, transporttest.NewMessage("pool", i)))
	}
	got, err := backlogOf(t, l)
	require.NoError(t, err)
	assert.Equal(t, []transport.Backlog{{Exchange: a.Exchange, Topic: transport.AnyTopic, Pool: pool, Messages: n}}, got)

	consumeAndClose(t, tr, cfg, 3)
	require.Eventually(t, func() bool {
		got, err := backlogOf(t, l)
		return err == nil && total(got) == n-3
	}, 10*time.Second, 50*time.Millisecond, "3 of %d consumed", n)

	ch, err := rawConn(t).Channel()
	require.NoError(t, err)
	_, err = ch.QueueDelete(pool, false, false, false)
	require.NoError(t, err)
	got, err = backlogOf(t, l)
	require.NoError(t, err, "a missing queue holds nothing")
	assert.Equal(t, []transport.Backlog{{Exchange: a.Exchange, Topic: transport.AnyTopic, Pool: pool}}, got)
	got, err = backlogOf(t, l)
	require.NoError(t, err, "the 404 closed the counting channel only: the next call opens another")
	assert.Equal(t, int64(0), total(got))
}

// TestBacklogHonoursContext: a done context is an error at once, and
// calls take turns without blocking past their context.
func TestBacklogHonoursContext(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	l := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{testTarget()}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := l.(transport.BacklogReporter).Backlog(ctx)
	require.ErrorIs(t, err, context.Canceled)

	rl := l.(*listener)
	rl.probing <- struct{}{} // a count in progress
	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = rl.Backlog(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	<-rl.probing
	_, err = backlogOf(t, l)
	require.NoError(t, err)
}
