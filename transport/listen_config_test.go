package transport_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func validListenConfig() transport.ListenConfig {
	return transport.ListenConfig{
		Targets:    []target.Target{{Topic: "notifications"}, {Exchange: "nova", Topic: "versioned.notifications"}},
		Priorities: []transport.Priority{transport.Info, transport.Error},
	}
}

func TestListenConfig_Validate(t *testing.T) {
	require.NoError(t, validListenConfig().Validate())

	cases := []struct {
		name     string
		edit     func(*transport.ListenConfig)
		sentinel error
		errSub   string
	}{
		{"no targets", func(c *transport.ListenConfig) { c.Targets = nil }, transport.ErrInvalidConfig, "at least one target"},
		{"target without topic", func(c *transport.ListenConfig) { c.Targets[1].Topic = "" }, target.ErrInvalidTarget, "targets[1]: hark: invalid target: a target must have topic specified"},
		{"bad exchange", func(c *transport.ListenConfig) { c.Targets[0].Exchange = "a.b" }, target.ErrInvalidTarget, `targets[0]: hark: invalid target: exchange "a.b"`},
		{"no priorities", func(c *transport.ListenConfig) { c.Priorities = nil }, transport.ErrInvalidConfig, "at least one priority"},
		{"unknown priority", func(c *transport.ListenConfig) { c.Priorities = append(c.Priorities, "warning") }, transport.ErrInvalidConfig, `unknown priority "warning" (valid: audit, debug, info, warn, error, critical, sample)`},
		{"upper-case priority", func(c *transport.ListenConfig) { c.Priorities = []transport.Priority{"INFO"} }, transport.ErrInvalidConfig, `unknown priority "INFO"`},
		{"pool with dot", func(c *transport.ListenConfig) { c.Pool = "a.b" }, target.ErrInvalidTarget, `pool "a.b" contains '.'`},
		{"pool with wildcard", func(c *transport.ListenConfig) { c.Pool = "p*" }, target.ErrInvalidTarget, `pool "p*" contains the wildcard`},
		{"bad dead-letter topic", func(c *transport.ListenConfig) { c.DeadLetterTopic = "dlq..x" }, target.ErrInvalidTarget, `dead-letter topic "dlq..x"`},
		{"negative prefetch", func(c *transport.ListenConfig) { c.Prefetch = -1 }, transport.ErrInvalidConfig, "prefetch -1 is negative"},
		{"negative lease", func(c *transport.ListenConfig) { c.Lease = -time.Second }, transport.ErrInvalidConfig, "lease -1s is negative"},
		{"negative max deliveries", func(c *transport.ListenConfig) { c.MaxDeliveries = -2 }, transport.ErrInvalidConfig, "max deliveries -2 is negative"},
		{"passive transient pool", func(c *transport.ListenConfig) { c.Pool, c.Transient, c.Passive = "p", true, true }, transport.ErrInvalidConfig, "cannot be passive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validListenConfig()
			tc.edit(&c)
			err := c.Validate()
			require.ErrorIs(t, err, tc.sentinel)
			assert.Contains(t, err.Error(), tc.errSub)
		})
	}

	ok := validListenConfig()
	ok.Pool, ok.DeadLetterTopic, ok.Prefetch, ok.Lease, ok.MaxDeliveries = "billing", "notifications.dlq", 10, time.Minute, 5
	assert.NoError(t, ok.Validate())
}

func TestListenConfig_WithDefaults(t *testing.T) {
	c := validListenConfig()
	d := c.WithDefaults("openstack")
	assert.Equal(t, transport.DefaultPrefetch, d.Prefetch)
	assert.Equal(t, transport.DefaultLease, d.Lease)
	assert.Equal(t, "openstack", d.Targets[0].Exchange)
	assert.Equal(t, "nova", d.Targets[1].Exchange, "an explicit exchange is kept")
	assert.Equal(t, "", c.Targets[0].Exchange, "the caller's targets are not modified")

	c.Prefetch, c.Lease = 3, time.Second
	d = c.WithDefaults("openstack")
	assert.Equal(t, 3, d.Prefetch)
	assert.Equal(t, time.Second, d.Lease)
}

func TestListenConfig_DeadLetterTarget(t *testing.T) {
	src := target.Target{Exchange: "nova", Topic: "notifications"}
	assert.Equal(t, target.Target{Exchange: "nova", Topic: "notifications.dlq"}, transport.ListenConfig{}.DeadLetterTarget(src))
	assert.Equal(t, target.Target{Exchange: "nova", Topic: "graveyard"}, transport.ListenConfig{DeadLetterTopic: "graveyard"}.DeadLetterTarget(src))
}

// TestWithPrefetchDefault: a default fills only a zero prefetch, the first
// one applied wins, and WithDefaults fills what is left.
func TestWithPrefetchDefault(t *testing.T) {
	assert.Equal(t, 7, transport.ListenConfig{Prefetch: 7}.WithPrefetchDefault(300).Prefetch, "the caller's prefetch")
	assert.Equal(t, 300, transport.ListenConfig{}.WithPrefetchDefault(300).WithPrefetchDefault(10).Prefetch, "the upper layer's default")
	assert.Equal(t, 10, transport.ListenConfig{}.WithPrefetchDefault(0).WithPrefetchDefault(10).Prefetch, "0 leaves it to the next")
	assert.Equal(t, transport.DefaultPrefetch, transport.ListenConfig{}.WithPrefetchDefault(0).WithDefaults("x").Prefetch)
	assert.Equal(t, 300, transport.ListenConfig{}.WithPrefetchDefault(300).WithDefaults("x").Prefetch)
}

// TestMaxDeliveriesReached: the cap counts the delivery that reaches it;
// 0 is no cap.
func TestMaxDeliveriesReached(t *testing.T) {
	c := transport.ListenConfig{MaxDeliveries: 3}
	assert.False(t, c.MaxDeliveriesReached(2))
	assert.True(t, c.MaxDeliveriesReached(3))
	assert.True(t, c.MaxDeliveriesReached(4))
	assert.False(t, transport.ListenConfig{}.MaxDeliveriesReached(100))
}
