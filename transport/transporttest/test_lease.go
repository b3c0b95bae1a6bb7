package transporttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func leaseTests() []testCase {
	lease := transport.Capabilities{Lease: true}
	return []testCase{
		{name: "expiry_redelivers", needs: lease, run: testLeaseExpiry},
		{name: "extend_keeps_the_lease", needs: lease, run: testExtend},
		{name: "exclusive", needs: transport.Capabilities{Requeue: true}, run: testExclusive},
		{name: "extend_unsupported_without_lease", run: testExtendUnsupported},
	}
}

// testLeaseExpiry: a delivery left unsettled past its lease is delivered
// again with count 2; the old delivery can no longer be settled or
// extended (Zaqar pitfall 2: a late result is reported, not accepted).
func testLeaseExpiry(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Lease = e.cfg.Lease
	cfg.Prefetch = 4
	l := e.listen(cfg)
	sent := e.msg(0)
	e.send(e.target(), transport.Info, sent)
	ctx := e.ctx()

	old := e.next(l)
	assert.Equal(t, 1, old.Deliveries())
	again := e.next(l)
	assert.Equal(t, string(sent.Body), string(again.Message().Body), "the same message, redelivered")
	assert.Equal(t, 2, again.Deliveries(), "the count rises on lease expiry")

	assert.ErrorIs(t, old.Ack(ctx), transport.ErrLeaseExpired, "ack")
	assert.ErrorIs(t, old.Requeue(ctx, 0), transport.ErrLeaseExpired, "requeue")
	assert.ErrorIs(t, old.Extend(ctx), transport.ErrLeaseExpired, "extend")
	assert.ErrorIs(t, old.DeadLetter(ctx, transport.DeadLetterInfo{Reason: transport.ReasonRejected}), transport.ErrLeaseExpired, "dead-letter")

	require.NoError(t, again.Ack(ctx))
	e.none(l)
}

// testExtend: extending every quarter lease keeps a delivery for two
// leases without a redelivery, and it is then acknowledged normally. (The
// sleeps pace the extensions; the check is that nothing is redelivered.)
func testExtend(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Lease = e.cfg.Lease
	cfg.Prefetch = 4
	l := e.listen(cfg)
	e.sendN(1)
	ctx := e.ctx()

	d := e.next(l)
	until := time.Now().Add(2 * e.cfg.Lease)
	for time.Now().Before(until) {
		time.Sleep(e.cfg.Lease / 4)
		require.NoError(t, d.Extend(ctx), "extend within the lease")
	}
	e.none(l)
	require.NoError(t, d.Ack(ctx), "ack after two extended leases")
}

// testExclusive is Zaqar pitfall 1 (its redis backend hands out messages
// still claimed when an earlier one is released): with m2 held, giving
// back m1 must not make m2 available to anyone else.
//
// A takes two of three messages and stops taking; it requeues the first
// and keeps the second. B, a new member of the same group, then gets the
// requeued message and the untouched third, and nothing else; A can still
// settle the one it kept.
func testExclusive(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Pool = e.pool()
	cfg.Prefetch = 2
	cfg.Lease = e.longLease()
	a := e.listen(cfg)
	sent := MessageBodies(e.sendN(3))
	ctx := e.ctx()

	released := e.next(a)
	kept := e.next(a)
	require.NoError(t, a.Stop(), "A takes no more")
	require.NoError(t, released.Requeue(ctx, 0))

	cfg.Prefetch = 5
	b := e.listen(cfg)
	var want []string
	for _, s := range sent {
		if s != string(kept.Message().Body) {
			want = append(want, s)
		}
	}
	got := e.collect(b, 2)
	assert.ElementsMatch(t, want, Bodies(got), "B gets the released and the third message, never the one A holds")
	e.none(b)
	require.NoError(t, kept.Ack(ctx), "A still holds its lease")
	e.none(b)
}

// testExtendUnsupported: a driver without leases says so.
func testExtendUnsupported(t *testing.T, e *env) {
	if e.cfg.Capabilities.Lease {
		t.Skip("driver has lease: Extend is tested by extend_keeps_the_lease")
	}
	l := e.listen(e.config())
	e.sendN(1)
	d := e.next(l)
	assert.ErrorIs(t, d.Extend(context.Background()), transport.ErrNotSupported)
	assert.NoError(t, d.Ack(context.Background()))
}
