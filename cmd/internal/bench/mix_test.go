package bench

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

func TestMixPriority_is_90_percent_info_and_the_rest_evenly(t *testing.T) {
	counts := map[transport.Priority]int{}
	for i := range 10 * mixCycle {
		counts[MixPriority(i)]++
	}
	assert.Equal(t, 9*mixCycle, counts[transport.Info])
	for _, p := range mixRare {
		assert.Equal(t, 10, counts[p], "%s: 1 in %d", p, mixCycle)
	}
	assert.Len(t, counts, 7)
	for i := range mixCycle {
		assert.Equal(t, MixPriority(i), MixPriority(i+mixCycle), "a fixed cycle")
	}
}

func TestConfig_priorities(t *testing.T) {
	plain := Config{}
	assert.Equal(t, []transport.Priority{transport.Info}, plain.priorities())
	assert.Equal(t, transport.Info, plain.priorityOf(9))
	mixed := Config{Mix: true}
	assert.Equal(t, transport.Priorities(), mixed.priorities())
	assert.Equal(t, transport.Audit, mixed.priorityOf(9))
}

// The body says the priority the notification is routed by.
func TestMessageMaker_priority_in_the_body(t *testing.T) {
	mm, err := newMessageMaker(DefaultSize)
	require.NoError(t, err)
	for _, p := range transport.Priorities() {
		m, err := mm.make(time.Time{}, p)
		require.NoError(t, err)
		var env bareEnvelope
		require.NoError(t, json.Unmarshal(m.Body, &env))
		var n bareNotification
		require.NoError(t, json.Unmarshal([]byte(env.Message), &n))
		assert.Equal(t, p.Upper(), n.Priority)
		got, err := oslo.DecodeNotification(m)
		require.NoError(t, err)
		assert.EqualValues(t, p.Upper(), got.Priority)
	}
}

func TestEnvelopeReceive(t *testing.T) {
	mm, err := newMessageMaker(DefaultSize)
	require.NoError(t, err)
	at := time.Now().UTC().Truncate(time.Microsecond)
	m, err := mm.make(at, transport.Warn)
	require.NoError(t, err)

	sent, err := envelopeReceive(newTally(1, false), m.Body)
	require.NoError(t, err)
	assert.True(t, sent.IsZero(), "no latencies kept: no timestamp looked for")
	sent, err = envelopeReceive(newTally(1, true), m.Body)
	require.NoError(t, err)
	assert.True(t, at.Equal(sent), "%s, want %s", sent, at)

	_, err = envelopeReceive(newTally(1, false), []byte("not json"))
	assert.ErrorContains(t, err, "envelope")
	assert.Empty(t, findTimestamp(`{"event_type": "x"}`))
}
