package transporttest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func settleTests() []testCase {
	return []testCase{
		{name: "second_settle_refused", run: testSecondSettle},
		{name: "prefetch_bounds_outstanding", run: testPrefetch},
	}
}

// settleOp is one way to settle (or extend) a delivery.
type settleOp struct {
	name  string
	needs transport.Capabilities
	do    func(ctx context.Context, d transport.Delivery) error
}

func settleOps() []settleOp {
	return []settleOp{
		{"ack", transport.Capabilities{}, func(ctx context.Context, d transport.Delivery) error { return d.Ack(ctx) }},
		{"requeue", transport.Capabilities{Requeue: true}, func(ctx context.Context, d transport.Delivery) error { return d.Requeue(ctx, 0) }},
		{"dead_letter", transport.Capabilities{DeadLetter: true}, func(ctx context.Context, d transport.Delivery) error {
			return d.DeadLetter(ctx, transport.DeadLetterInfo{Reason: transport.ReasonRejected})
		}},
		{"extend", transport.Capabilities{Lease: true}, func(ctx context.Context, d transport.Delivery) error { return d.Extend(ctx) }},
	}
}

// testSecondSettle runs every (first settle, second settle or extend)
// pair: the second call fails with ErrAlreadySettled and has no effect
// (kombu's MessageStateError; never a double ack). The first one's effect
// happens exactly once: an ack is final, a requeue redelivers once, a
// dead letter writes one record.
func testSecondSettle(t *testing.T, parent *env) {
	ops := settleOps()
	for _, first := range ops[:3] { // extend does not settle
		for _, second := range ops {
			t.Run(first.name+"_then_"+second.name, func(t *testing.T) {
				if missing := lacks(parent.cfg.Capabilities, first.needs); len(missing) > 0 {
					t.Skipf("driver lacks %s", missing[0])
				}
				if missing := lacks(parent.cfg.Capabilities, second.needs); len(missing) > 0 {
					t.Skipf("driver lacks %s", missing[0])
				}
				t.Parallel()
				e := newEnv(t, parent.cfg)
				var dlq transport.Listener
				if e.cfg.Capabilities.DeadLetter {
					dlq = e.dlqListener(e.dlqTarget())
				}
				cfg := e.config()
				cfg.Lease = e.longLease()
				l := e.listen(cfg)
				e.sendN(1)
				ctx := e.ctx()

				d := e.next(l)
				require.NoError(t, first.do(ctx, d), "first: %s", first.name)
				assert.ErrorIs(t, second.do(ctx, d), transport.ErrAlreadySettled, "second: %s", second.name)

				switch first.name {
				case "requeue":
					again := e.next(l)
					assert.Equal(t, 2, again.Deliveries(), "redelivered once")
					require.NoError(t, again.Ack(ctx))
				case "dead_letter":
					r := e.next(dlq)
					require.NoError(t, r.Ack(ctx))
				}
				if dlq != nil {
					e.none(l, dlq)
				} else {
					e.none(l)
				}
			})
		}
	}
}

// testPrefetch: with Prefetch 2, two unsettled deliveries block a third
// Next until one is settled.
func testPrefetch(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Prefetch = 2
	cfg.Lease = e.longLease()
	l := e.listen(cfg)
	e.sendN(3)
	ctx := e.ctx()

	d1, d2 := e.next(l), e.next(l)
	short, cancel := context.WithTimeout(ctx, e.cfg.Quiet)
	_, err := l.Next(short)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "a third Next blocks while two are outstanding")

	require.NoError(t, d1.Ack(ctx))
	d3 := e.next(l)
	assert.Equal(t, 1, d3.Deliveries(), "the blocked Next lost nothing")
	require.NoError(t, d2.Ack(ctx))
	require.NoError(t, d3.Ack(ctx))
	e.none(l)
}
