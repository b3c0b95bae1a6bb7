package transport_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func TestCapabilities_String(t *testing.T) {
	assert.Equal(t, "none", transport.Capabilities{}.String())
	assert.Equal(t, "requeue,pools", transport.Capabilities{Requeue: true, Pools: true}.String())
	all := transport.Capabilities{Requeue: true, DelayedRequeue: true, Durable: true, Pools: true, Ordering: true, Lease: true, DeadLetter: true, Backlog: true}
	assert.Equal(t, "requeue,delayed-requeue,durable,pools,ordering,lease,dead-letter,backlog", all.String())
}

func TestCapabilities_Require(t *testing.T) {
	have := transport.Capabilities{Requeue: true, Pools: true, Lease: true}
	assert.NoError(t, have.Require(transport.Capabilities{}))
	assert.NoError(t, have.Require(transport.Capabilities{Requeue: true, Lease: true}))
	assert.NoError(t, have.Require(have))

	err := have.Require(transport.Capabilities{Requeue: true, DelayedRequeue: true, DeadLetter: true})
	require.ErrorIs(t, err, transport.ErrNotSupported)
	assert.Contains(t, err.Error(), `lacks the "delayed-requeue" capability (it has: requeue,pools,lease)`, "names the first missing one")

	err = transport.Capabilities{}.Require(transport.Capabilities{Backlog: true})
	require.ErrorIs(t, err, transport.ErrNotSupported)
	assert.Contains(t, err.Error(), `"backlog" capability (it has: none)`)
}
