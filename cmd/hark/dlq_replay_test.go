package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// TestDLQReplay_ends_when_the_endpoint_still_rejects: a replay takes the
// dead letters that were there when it started, each once. The endpoint
// dead-letters the replayed notifications again at once; the replay does
// not read its own new dead letters (it used to, for ever: one downstream
// call per turn), leaves them in place, and ends.
func TestDLQReplay_ends_when_the_endpoint_still_rejects(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b *broker) {
		rj := startRejecter(t, b)
		ctx := testutil.Within(t, 60*time.Second)
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

// TestDLQReplay_leaves_what_came_after_it_started: a record dead-lettered
// after the replay started is not replayed, whoever made it.
func TestDLQReplay_leaves_what_came_after_it_started(t *testing.T) {
	f := newDLQFixture(t)
	ctx := testutil.Within(t, 20*time.Second)
	f.deadLetter(t, transport.Info, "compute.before", transport.DeadLetterInfo{Reason: transport.ReasonRejected})
	rec := transport.DeadLetter{
		Original: transport.Message{ID: "later", Body: []byte(`{"oslo.version": "2.0", "oslo.message": "{}"}`)},
		Info:     transport.DeadLetterInfo{Reason: transport.ReasonRejected},
		Source:   transport.Source{Target: target.Target{Exchange: "openstack", Topic: "notifications"}, Priority: transport.Info},
		Time:     time.Now().Add(time.Hour), // as a replay running now sees one made later
	}
	require.NoError(t, f.tr.Send(ctx, target.Target{Topic: "notifications.dlq"}, transport.Info, rec.Message()))

	r := hark(t, ctx, "", "dlq", "replay", "--url", f.url, "--wait", "100ms")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.err, "replayed 1 dead letter from openstack/notifications.dlq (2 read, 1 left in place)")
	assert.Contains(t, r.err, "1 dead letter came after the replay started")
	oms, _ := receive(t, f.l, 1)
	assert.Equal(t, "compute.before", oms[0].EventType)
	nothingMore(t, f.l, 50*time.Millisecond)
	recs := f.list(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "later", recs[0]["original"].(map[string]any)["id"])
}
