package transporttest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func requeueTests() []testCase {
	return []testCase{
		{name: "redelivers_with_rising_count", needs: transport.Capabilities{Requeue: true}, run: testRequeueCount},
		{name: "delayed_honours_the_delay", needs: transport.Capabilities{Requeue: true, DelayedRequeue: true}, run: testDelayedRequeue},
		{name: "stays_in_its_group", needs: transport.Capabilities{Requeue: true, Pools: true}, run: testRequeueStaysInGroup},
	}
}

// testRequeueCount: a requeued message comes back, unchanged, with its
// delivery count rising 1, 2, 3 (Zaqar pitfall 4: the count rises on every
// delivery, dead-letter target or not); once acknowledged it is gone.
func testRequeueCount(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Lease = e.longLease()
	l := e.listen(cfg)
	sent := e.msg(0)
	e.send(e.target(), transport.Info, sent)
	ctx := e.ctx()
	for want := 1; want <= 3; want++ {
		d := e.next(l)
		assert.Equal(t, want, d.Deliveries(), "delivery count")
		assert.Equal(t, sent.ID, d.Message().ID)
		assert.Equal(t, string(sent.Body), string(d.Message().Body))
		assert.Equal(t, sent.Header, d.Message().Header)
		if want < 3 {
			require.NoError(t, d.Requeue(ctx, 0))
		} else {
			require.NoError(t, d.Ack(ctx))
		}
	}
	e.none(l)
}

// testDelayedRequeue: a message requeued with a delay does not come back
// before the delay (a lower bound, measured from before the Requeue call),
// and does not hold the listener's only prefetch slot meanwhile: with
// Prefetch 1 the other message is delivered during the delay.
func testDelayedRequeue(t *testing.T, e *env) {
	const delay = time.Second
	cfg := e.config()
	cfg.Prefetch = 1
	cfg.Lease = e.longLease()
	l := e.listen(cfg)
	e.sendN(2)
	ctx := e.ctx()

	first := e.next(l)
	body := string(first.Message().Body)
	start := time.Now()
	require.NoError(t, first.Requeue(ctx, delay))

	// Two deliveries follow: the other message at once, the requeued one
	// after the delay. Nothing here bounds how fast the other one comes;
	// it only has to come first, which a generous one-second delay makes
	// a matter of correctness, not of speed.
	other := e.next(l)
	assert.NotEqual(t, body, string(other.Message().Body), "the other message comes during the delay")
	assert.Equal(t, 1, other.Deliveries())
	require.NoError(t, other.Ack(ctx))

	again := e.next(l)
	elapsed := time.Since(start)
	assert.Equal(t, body, string(again.Message().Body), "the requeued message comes back")
	assert.Equal(t, 2, again.Deliveries())
	assert.GreaterOrEqual(t, elapsed, delay, "redelivered %s after a requeue with delay %s", elapsed, delay)
	require.NoError(t, again.Ack(ctx))
	e.none(l)
}

// testRequeueStaysInGroup: a requeue gives the message back to the
// requeuing group only; another pool, which had its own copy, does not see
// it again (oslo's fake driver duplicates it into every pool).
func testRequeueStaysInGroup(t *testing.T, e *env) {
	cfgA, cfgB := e.config(), e.config()
	cfgA.Pool, cfgB.Pool = e.name("p"), e.name("p")
	cfgA.Lease, cfgB.Lease = e.longLease(), e.longLease()
	a, b := e.listen(cfgA), e.listen(cfgB)
	e.sendN(1)
	ctx := e.ctx()

	da := e.next(a)
	require.NoError(t, da.Requeue(ctx, 0))
	da = e.next(a)
	assert.Equal(t, 2, da.Deliveries(), "pool A counts its own deliveries")
	require.NoError(t, da.Ack(ctx))

	db := e.next(b)
	assert.Equal(t, 1, db.Deliveries(), "pool B's copy is untouched by A's requeue")
	assert.Equal(t, cfgB.Pool, db.Source().Pool)
	require.NoError(t, db.Ack(ctx))
	e.none(a, b)
}
