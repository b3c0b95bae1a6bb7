package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// A pool's start position is the group's from its first Listen on: what
// is sent after a listener of a new pool closed, before the next one
// listens, reaches the next one (the position was committed, not
// forgotten with the member).
func TestPoolStartPositionOutlivesItsFirstListener(t *testing.T) {
	c := startCluster(t)
	tr := openTransport(t, c, "")
	tg := target.Target{Exchange: "openstack", Topic: "start" + groupFor(t)[2:]}
	cfg := transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Pool: "p1"}

	// Something before the pool existed: a new pool starts after it.
	require.NoError(t, tr.Send(t.Context(), tg, transport.Info, transport.Message{ID: "old", Body: []byte(`{"message_id": "old"}`)}))

	l, err := tr.Listen(t.Context(), cfg)
	require.NoError(t, err)
	require.NoError(t, l.Close())

	for _, id := range []string{"a", "b", "c"} {
		require.NoError(t, tr.Send(t.Context(), tg, transport.Info, transport.Message{ID: id, Body: []byte(`{"message_id": "` + id + `"}`)}))
	}
	l, err = tr.Listen(t.Context(), cfg)
	require.NoError(t, err)
	defer l.Close()
	var got []string
	for range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		d, err := l.Next(ctx)
		cancel()
		require.NoError(t, err, "got %v so far", got)
		got = append(got, d.Message().ID)
		require.NoError(t, d.Ack(t.Context()))
	}
	assert.ElementsMatch(t, []string{"a", "b", "c"}, got)
}
