package rabbit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// TestCoalescedAcksCoverOnlySettled settles a full prefetch window (tags
// 1..12) out of order on a real broker and leaves tags 7 and 10
// unsettled. Tags 1..6 settle first, out of order, tag 6 by a requeue (on
// quorum queues a basic.reject, so the coalesced frame for 1..6 must name
// 5, the highest acknowledgement, which the acknowledgement of 12
// triggers at the limit of 6); 8, 9, 11 and 12 settle above the
// unsettled 7 (8 by a dead letter). The acknowledgements reach the broker
// while the channel stays open (it pushes the rest of the backlog into
// the freed window), none of them covers 7 or 10, and the channel never
// fails (every settle succeeds, nothing else comes back). After Close the
// broker redelivers exactly 7 and 10.
func TestCoalescedAcksCoverOnlySettled(t *testing.T) {
	for _, c := range []struct{ name, query string }{{"classic", ""}, {"quorum", "rabbit_quorum_queue=true"}} {
		t.Run(c.name, func(t *testing.T) {
			const window, backlog = 12, 20
			r := newRecorder(t, rabbitURL(t))
			url := withQuery(rabbitURL(t), c.query)
			tr := openTransport(t, r, url)
			tg := testTarget()
			cfg := transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Prefetch: window}
			l := listenInfo(t, tr, cfg)
			sent := transporttest.SendN(t, tr, tg, transport.Info, transporttest.UniqueName("ooo"), backlog)
			ctx := testutil.Within(t, 30*time.Second)

			first := make([]transport.Delivery, window)
			for i := range first {
				first[i] = transporttest.Next(t, l, 10*time.Second)
				require.Equal(t, string(sent[i].Body), string(first[i].Message().Body), "tag order is send order")
			}
			// Index i is tag i+1; leave tags 7 and 10 unsettled.
			for _, i := range []int{2, 1, 5, 0, 4, 3, 11, 8, 7, 10} {
				var err error
				switch i {
				case 5:
					err = first[i].Requeue(ctx, 0)
				case 7:
					err = first[i].DeadLetter(ctx, transport.DeadLetterInfo{Reason: transport.ReasonRejected})
				default:
					err = first[i].Ack(ctx)
				}
				require.NoError(t, err, "settle index %d", i)
			}

			// The broker pushes more only once it has the acknowledgements:
			// the window was full.
			want := map[string]int{string(sent[5].Body): 2}
			for _, m := range sent[window:] {
				want[string(m.Body)] = 1
			}
			got := map[string]int{}
			for range len(want) {
				d := transporttest.Next(t, l, 10*time.Second)
				got[string(d.Message().Body)] = d.Deliveries()
				require.NoError(t, d.Ack(ctx))
			}
			assert.Equal(t, want, got, "the backlog and the requeued copy, nothing else")
			transporttest.AssertNoDelivery(t, 300*time.Millisecond, l)
			require.NoError(t, tr.Healthy(), "the channel never failed")

			require.NoError(t, l.Close())
			again := listenInfo(t, tr, cfg)
			redelivered := map[string]int{}
			for range 2 {
				d := transporttest.Next(t, again, 10*time.Second)
				redelivered[string(d.Message().Body)] = d.Deliveries()
				require.NoError(t, d.Ack(ctx))
			}
			assert.Equal(t, map[string]int{string(sent[6].Body): 2, string(sent[9].Body): 2}, redelivered,
				"exactly the two left unsettled come back")
			transporttest.AssertNoDelivery(t, 300*time.Millisecond, again)
		})
	}
}

// TestAckBeforeCloseIsKept: acknowledgements still waiting to be written
// when Close comes are written before the connection closes, so nothing
// acknowledged is redelivered.
func TestAckBeforeCloseIsKept(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	tg := testTarget()
	cfg := transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Prefetch: 100}
	l := listenInfo(t, tr, cfg)
	const n = 30
	transporttest.SendN(t, tr, tg, transport.Info, transporttest.UniqueName("close"), n)
	ctx := testutil.Within(t, 30*time.Second)
	ds := make([]transport.Delivery, n)
	for i := range ds {
		ds[i] = transporttest.Next(t, l, 10*time.Second)
	}
	// Take the timer out: below the limit (50), the acknowledgements then
	// wait for Close.
	a := ds[0].(*delivery).sess.acks
	a.mu.Lock()
	a.delay = time.Hour
	a.mu.Unlock()
	for i := n - 1; i >= 0; i-- {
		require.NoError(t, ds[i].Ack(ctx))
	}
	a.mu.Lock()
	waiting := a.count + len(a.deferred)
	a.mu.Unlock()
	require.Equal(t, n, waiting, "nothing written before Close")

	require.NoError(t, l.Close())
	again := listenInfo(t, tr, cfg)
	transporttest.AssertNoDelivery(t, 300*time.Millisecond, again)
}
