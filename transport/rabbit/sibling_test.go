package rabbit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// TestSiblingDeliveryGoesBackWithItsListener: two listeners of one
// transport share a queue (the non-pooled queue is named by topic only,
// so listeners of two exchanges consume the same one), and a message the
// broker pushed on one listener's channel for the other is handed out by
// the other (Transport.sibling). When the listener that handed it out
// closes, the delivery goes back to the broker on the channel it came
// from and settling it fails with ErrClosed, as for its own deliveries;
// the message is not left unacknowledged on the first listener's channel,
// where no one would ever settle it.
func TestSiblingDeliveryGoesBackWithItsListener(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	mine, other := testTarget(), testTarget()
	other.Topic = mine.Topic // same queue "<topic>.info", another exchange
	a := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{other}, Prefetch: 64})
	b, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{mine}, Priorities: []transport.Priority{transport.Info}, Prefetch: 64})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	sender := openTransport(t, r, "")
	const n = 20
	sent := map[string]bool{}
	for i := range n {
		m := transport.Message{ID: "sib-" + string(rune('a'+i)), Body: []byte{byte(i)}}
		require.NoError(t, sender.Send(t.Context(), mine, transport.Info, m))
		sent[m.ID] = true
	}

	var viaA []transport.Delivery
	for range n {
		d := nextWithin(t, b, 10*time.Second)
		if d.(*delivery).sess.l == a.(*listener) {
			viaA = append(viaA, d)
		}
	}
	require.NotEmpty(t, viaA, "the broker pushed none of %d messages to the other consumer of the shared queue", n)
	require.NoError(t, b.Close())

	ctx := testutil.Within(t, 10*time.Second)
	for _, d := range viaA {
		assert.ErrorIs(t, d.Ack(ctx), transport.ErrClosed, "a delivery of a closed listener, though it came on another's channel")
	}
	// a is now the only consumer of the queue: every message reaches it
	// again, those b's connection held and those given back on a's own
	// channel.
	got := map[string]bool{}
	for len(got) < n {
		d, err := a.Next(testutil.Within(t, 10*time.Second))
		require.NoError(t, err, "got %d of %d back: %v", len(got), n, got)
		got[d.Message().ID] = true
		require.NoError(t, d.Ack(ctx))
	}
	assert.Equal(t, sent, got, "every message came back, those of the other channel too")
}

func nextWithin(t *testing.T, l transport.Listener, d time.Duration) transport.Delivery {
	t.Helper()
	got, err := l.Next(testutil.Within(t, d))
	require.NoError(t, err, "no delivery within %s", d)
	return got
}
