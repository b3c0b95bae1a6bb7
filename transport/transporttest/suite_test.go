package transporttest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func TestLacks(t *testing.T) {
	have := transport.Capabilities{Requeue: true, Pools: true}
	assert.Empty(t, lacks(have, transport.Capabilities{}))
	assert.Empty(t, lacks(have, transport.Capabilities{Requeue: true}))
	assert.Equal(t, []string{"delayed-requeue", "lease"},
		lacks(have, transport.Capabilities{Requeue: true, DelayedRequeue: true, Lease: true}))
}

func TestUniqueName(t *testing.T) {
	a, b := UniqueName("hark"), UniqueName("hark")
	assert.NotEqual(t, a, b)
	for _, n := range []string{a, b} {
		assert.NoError(t, target.CheckName("pool", n, false), "usable as an exchange or pool name")
	}
}

func TestConfig_withDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	assert.Equal(t, DefaultLease, c.Lease)
	assert.Equal(t, DefaultTimeout, c.Timeout)
	assert.Equal(t, DefaultQuiet, c.Quiet)
	assert.Equal(t, DefaultPrefix, c.Prefix)
}
