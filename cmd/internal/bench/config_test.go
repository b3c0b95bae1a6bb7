package bench

import (
	"github.com/harkmq/hark/notify"

	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig_defaults(t *testing.T) {
	c := Config{Scenario: Drain, URL: "memory://"}.WithDefaults()
	require.NoError(t, c.Validate())
	assert.Equal(t, DefaultMessages, c.Messages)
	assert.Equal(t, max(2*DefaultWorkers, notify.MinDefaultPrefetch), c.Prefetch, "hark's default prefetch: 2 × workers, at least notify.MinDefaultPrefetch")
	assert.Equal(t, 1, c.Pools)

	s := Config{Scenario: Steady, URL: "memory://"}.WithDefaults()
	require.NoError(t, s.Validate())
	assert.Equal(t, DefaultRate*int(DefaultDuration/time.Second), s.Messages, "steady sends rate × duration")

	f := Config{Scenario: Fanout, URL: "memory://"}.WithDefaults()
	require.NoError(t, f.Validate())
	assert.Equal(t, DefaultPools, f.Pools)

	b := Config{Scenario: Drain, URL: "memory://", Executor: "blocking", Workers: 8}.WithDefaults()
	assert.Equal(t, 1, b.Workers, "the blocking executor runs one handler")
	assert.Equal(t, notify.MinDefaultPrefetch, b.Prefetch, "a blocking executor is not starved by a prefetch of 2")
}

func TestConfig_Validate_names_the_setting(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Scenario: "soak", URL: "memory://"}, `unknown scenario "soak"`},
		{Config{Scenario: Drain, URL: "bogus"}, "url"},
		{Config{Scenario: Drain, URL: "memory://", Executor: "eventlet"}, "executor"},
		{Config{Scenario: Drain, URL: "memory://", Messages: -1}, "count -1"},
		{Config{Scenario: Drain, URL: "memory://", Rounds: -2}, "rounds -2"},
		{Config{Scenario: Drain, URL: "memory://", Pools: 3}, "only the fanout scenario has pools"},
		{Config{Scenario: Drain, URL: "memory://", Rate: 10}, "belong to the steady scenario"},
		{Config{Scenario: Steady, URL: "memory://", Messages: 7}, "set rate and duration instead"},
		{Config{Scenario: Drain, URL: "memory://", Size: 32 << 20}, "at most 16 MiB"},
	} {
		err := tc.cfg.WithDefaults().Validate()
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", tc.cfg)
		assert.ErrorContains(t, err, tc.want)
	}
}
