package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDLQReplay_ends_when_the_endpoint_still_rejects: a replay takes the
// dead letters that were there when it started, each once. The endpoint
// dead-letters the replayed notifications again at once; the replay does
// not read its own new dead letters (it used to, for ever: one downstream
// call per turn), leaves them in place, and ends.
func TestDLQReplay_ends_when_the_endpoint_still_rejects(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b *broker) {
		rj := startRejecter(t, b)
		ctx := within(t, 60*time.Second)
		n := hark(t, ctx, "", append([]string{"notify", "--count", "2"}, b.flags()...)...)
		require.Equal(t, exitOK, n.code, n.err)
		require.Eventually(t, func() bool { return rj.total() == 2 }, 10*time.Second, 10*time.Millisecond, "both notifications rejected once")

		for _, args := range [][]string{nil, {"--reason", "rejected"}} {
			before, beforeTotal := rj.snapshot(), rj.total()
			r := hark(t, ctx, "", append(append([]string{"dlq", "replay", "--wait", "1s"}, b.flags()...), args...)...)
			require.Equal(t, exitOK, r.code, "replay %v: %s", args, r.err)
			assert.Contains(t, r.err, "replayed 2 dead letters", "replay %v", args)
			// Each replay reaches the rejecter once, and nothing else does:
			// the replay has ended, and sent what it printed.
			require.Eventually(t, func() bool { return rj.total() >= beforeTotal+2 }, 10*time.Second, 10*time.Millisecond)
			after := rj.snapshot()
			require.Len(t, after, 2)
			for id, c := range after {
				assert.Equal(t, before[id]+1, c, "deliveries of %s after replay %v", id, args)
			}
		}

		// Dead letters made during a replay are left in place: the two
		// the last replay made.
		recs := decodeLines(t, hark(t, ctx, "", append([]string{"dlq", "list", "--json", "--wait", "1s"}, b.flags()...)...).out)
		assert.Len(t, recs, 2)
	})
}
