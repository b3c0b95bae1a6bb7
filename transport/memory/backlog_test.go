package memory_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

func backlog(t *testing.T, l transport.Listener) []transport.Backlog {
	t.Helper()
	br, ok := l.(transport.BacklogReporter)
	require.True(t, ok, "a memory listener is a BacklogReporter")
	b, err := br.Backlog(t.Context())
	require.NoError(t, err)
	return b
}

// A non-pooled listener's backlog sums its queues per (exchange, topic),
// counting what is ready, handed out and unsettled, and waiting out a
// delayed requeue, and drops as deliveries are settled.
func TestBacklog_non_pooled(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	other := target.Target{Exchange: "nova", Topic: "versioned"}
	cfg := transport.ListenConfig{Targets: []target.Target{notifications, other},
		Priorities: []transport.Priority{transport.Info, transport.Error}}
	l := listen(t, tr, cfg)
	assert.Equal(t, []transport.Backlog{
		{Exchange: "nova", Topic: "notifications"},
		{Exchange: "nova", Topic: "versioned"},
	}, backlog(t, l), "entries exist, at 0, before anything is sent")

	transporttest.SendN(t, tr, notifications, transport.Info, "bl-info", 3)
	transporttest.SendN(t, tr, notifications, transport.Error, "bl-error", 2)
	transporttest.SendN(t, tr, other, transport.Info, "bl-other", 1)
	transporttest.SendN(t, tr, notifications, transport.Warn, "bl-warn", 4) // not listened to
	assert.Equal(t, []transport.Backlog{
		{Exchange: "nova", Topic: "notifications", Messages: 5},
		{Exchange: "nova", Topic: "versioned", Messages: 1},
	}, backlog(t, l))

	d1, d2 := next(t, l), next(t, l)
	assert.Equal(t, int64(6), total(backlog(t, l)), "handed out and unsettled still counts")
	require.NoError(t, d1.Ack(t.Context()))
	assert.Equal(t, int64(5), total(backlog(t, l)))
	require.NoError(t, d2.Requeue(t.Context(), time.Hour))
	assert.Equal(t, int64(5), total(backlog(t, l)), "waiting out a delayed requeue counts")
	for range 4 {
		require.NoError(t, next(t, l).Ack(t.Context()))
	}
	assert.Equal(t, int64(1), total(backlog(t, l)), "only the delayed one is left")

	require.NoError(t, l.Stop())
	assert.Equal(t, int64(1), total(backlog(t, l)), "a stopped listener reports")
	require.NoError(t, l.Close())
	_, err := l.(transport.BacklogReporter).Backlog(t.Context())
	require.ErrorIs(t, err, transport.ErrClosed)
}

// A pool's queue serving several topics reports AnyTopic; one topic
// reports that topic; what other pools and the non-pooled group hold is
// not counted.
func TestBacklog_pool(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	other := target.Target{Exchange: "nova", Topic: "versioned"}
	cfg := transport.ListenConfig{Targets: []target.Target{notifications, other},
		Priorities: []transport.Priority{transport.Info}, Pool: "billing"}
	l := listen(t, tr, cfg)
	single := listen(t, tr, infoConfig("audit"))
	transporttest.SendN(t, tr, notifications, transport.Info, "pool-a", 2)
	transporttest.SendN(t, tr, other, transport.Info, "pool-b", 3)
	assert.Equal(t, []transport.Backlog{{Exchange: "nova", Topic: transport.AnyTopic, Pool: "billing", Messages: 5}}, backlog(t, l))
	assert.Equal(t, []transport.Backlog{{Exchange: "nova", Topic: "notifications", Pool: "audit", Messages: 2}}, backlog(t, single))

	require.NoError(t, next(t, single).Ack(t.Context()))
	assert.Equal(t, int64(1), total(backlog(t, single)))
	assert.Equal(t, int64(5), total(backlog(t, l)), "each pool has its own copy")
}

// A transient pool's queue goes, with what it holds, when its last member
// closes; the next listener of that pool starts afresh. A pool that is not
// transient keeps its queue.
func TestBacklog_transient_pool_goes_with_its_last_listener(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	cfg := infoConfig("tail-1")
	cfg.Transient = true
	a, b := listen(t, tr, cfg), listen(t, tr, cfg)
	transporttest.SendN(t, tr, notifications, transport.Info, "transient", 3)
	require.NoError(t, a.Close())
	assert.Equal(t, int64(3), total(backlog(t, b)), "another member still listens")
	held := next(t, b)
	require.NoError(t, b.Close())
	require.ErrorIs(t, held.Ack(t.Context()), transport.ErrClosed)

	c := listen(t, tr, cfg)
	assert.Equal(t, int64(0), total(backlog(t, c)), "the queue went with its last listener")
	transporttest.SendN(t, tr, notifications, transport.Info, "transient-2", 1)
	assert.Equal(t, int64(1), total(backlog(t, c)), "the new queue is bound")

	kept := infoConfig("kept")
	k := listen(t, tr, kept)
	transporttest.SendN(t, tr, notifications, transport.Info, "kept", 2)
	require.NoError(t, k.Close())
	assert.Equal(t, int64(2), total(backlog(t, listen(t, tr, kept))), "a pool that is not transient outlives its listeners")
}

// A start position that needs history is refused: the broker keeps none.
func TestListen_start_position_needs_retention(t *testing.T) {
	t.Parallel()
	_, newTransport := newBroker(t)
	tr := newTransport()
	assert.False(t, tr.Capabilities().StartPosition)
	cfg := infoConfig("p")
	cfg.Start = transport.StartAllPosition
	_, err := tr.Listen(t.Context(), cfg)
	require.ErrorIs(t, err, transport.ErrNotSupported)
	cfg.Start = transport.StartNewPosition
	listen(t, tr, cfg)
}

func total(b []transport.Backlog) int64 {
	var n int64
	for _, e := range b {
		n += e.Messages
	}
	return n
}
