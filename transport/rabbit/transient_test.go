package rabbit

import (
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// queueExists asks the broker, with a passive declare on a channel of its
// own (a 404 closes it), whether queue exists.
func queueExists(t *testing.T, conn *amqp.Connection, queue string) bool {
	t.Helper()
	ch, err := conn.Channel()
	require.NoError(t, err)
	defer ch.Close()
	_, err = ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if isNotFound(err) {
		return false
	}
	require.NoError(t, err)
	return true
}

func transientConfig(pool string) transport.ListenConfig {
	return transport.ListenConfig{Targets: []target.Target{testTarget()}, Priorities: []transport.Priority{transport.Info},
		Pool: pool, Transient: true}
}

// TestTransientPoolGoesWithItsConnection: the queue of a transient pool
// is removed by the broker when the listener's connection dies without
// closing (a killed process), and it is auto-delete with x-expires.
func TestTransientPoolGoesWithItsConnection(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	p := startProxy(t, brokerAddr(t))
	tr := openTransport(t, r, viaAddr(t, p.addr(), ""))
	pool := transporttest.UniqueName("harkrabbit-transient")
	l := listenInfo(t, tr, transientConfig(pool))
	conn := rawConn(t)
	require.True(t, queueExists(t, conn, pool))

	// Redeclaring with other properties is refused: the queue is
	// auto-delete with x-expires as declared.
	ch, err := conn.Channel()
	require.NoError(t, err)
	_, err = ch.QueueDeclare(pool, false, false, false, false, nil)
	require.True(t, isPreconditionFailed(err), "a plain declare of the transient queue is refused: %v", err)
	ch, err = conn.Channel()
	require.NoError(t, err)
	_, err = ch.QueueDeclare(pool, false, true, false, false, amqp.Table{"x-expires": int32(DefaultTransientQueueExpiry.Milliseconds())})
	require.NoError(t, err, "the same properties are accepted")
	_ = ch.Close()

	p.setRefuse(true) // the listener cannot come back
	p.cut()
	require.Eventually(t, func() bool { return !queueExists(t, conn, pool) }, 10*time.Second, 100*time.Millisecond,
		"the broker deletes the queue once its only consumer's connection is gone")
	require.NoError(t, l.Close())
}

// TestTransientPoolGoesWithStop: Stop cancels the last consumer, and the
// queue goes with it; a non-transient pool's queue stays.
func TestTransientPoolGoesWithStop(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	conn := rawConn(t)

	pool := transporttest.UniqueName("harkrabbit-transient")
	l := listenInfo(t, tr, transientConfig(pool))
	other := listenInfo(t, tr, transientConfig(pool))
	require.NoError(t, l.Close())
	assert.True(t, queueExists(t, conn, pool), "another member still consumes")
	require.NoError(t, other.Stop())
	require.Eventually(t, func() bool { return !queueExists(t, conn, pool) }, 10*time.Second, 50*time.Millisecond)

	kept := transporttest.UniqueName("harkrabbit-pool")
	cfg := transientConfig(kept)
	cfg.Transient = false
	l = listenInfo(t, tr, cfg)
	require.NoError(t, l.Close())
	assert.True(t, queueExists(t, conn, kept), "a pool that is not transient outlives its listeners")
}

// TestTransientQueueExpires: a transient queue that never gets a consumer
// (its listener died between declaring and consuming) expires.
func TestTransientQueueExpires(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	const expiry = 300 * time.Millisecond
	tr := openTransport(t, r, "", WithTransientQueueExpiry(expiry))
	conn := rawConn(t)
	name := transporttest.UniqueName("harkrabbit-transient")
	d := newDeclarer(conn, &tr.cfg, &tr.turns)
	require.NoError(t, d.transientQueue(name))
	d.close()
	require.True(t, queueExists(t, conn, name))
	// Each look (a passive declare) counts as a use and renews x-expires,
	// so the looks come further and further apart, each well past the
	// expiry: the wait ends on the first look after the broker deleted
	// the queue, and a busy broker gets ever more time, up to about 30s.
	for wait := time.Second; ; wait *= 2 {
		time.Sleep(wait)
		if !queueExists(t, conn, name) {
			return
		}
		if wait >= 16*time.Second {
			t.Fatalf("the transient queue %s was still there %s after the last look (x-expires %s)", name, wait, expiry)
		}
	}
}

// TestStartPositionNeedsRetention: RabbitMQ keeps no history, so a start
// position that reads one is refused.
func TestStartPositionNeedsRetention(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	for _, p := range []transport.StartPosition{transport.StartAllPosition, transport.StartAt(time.Now().Add(-time.Hour))} {
		_, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{testTarget()},
			Priorities: []transport.Priority{transport.Info}, Pool: "p", Start: p})
		require.ErrorIs(t, err, transport.ErrNotSupported, "start %s", p)
	}
	l := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{testTarget()}, Start: transport.StartNewPosition,
		Pool: transporttest.UniqueName("harkrabbit-pool")})
	require.NoError(t, l.Close())
}

// TestTransientQueueExpiryOption checks the option's range.
func TestTransientQueueExpiryOption(t *testing.T) {
	c := defaultConfig()
	assert.Equal(t, DefaultTransientQueueExpiry, c.transientExpiry)
	require.NoError(t, c.apply([]Option{WithTransientQueueExpiry(time.Hour)}))
	assert.Equal(t, amqp.Table{"x-expires": int32(3_600_000)}, transientQueueArgs(&c))
	require.ErrorIs(t, c.apply([]Option{WithTransientQueueExpiry(0)}), transport.ErrInvalidConfig)
	require.ErrorIs(t, c.apply([]Option{WithTransientQueueExpiry(30 * 24 * time.Hour)}), transport.ErrInvalidConfig)
}
