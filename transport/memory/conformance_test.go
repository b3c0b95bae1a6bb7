package memory_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
	"github.com/harkmq/hark/transport/transporttest"
)

// TestConformance runs the transport conformance suite on one broker, with
// every capability the memory transport claims.
func TestConformance(t *testing.T) {
	b := memory.NewBroker()
	t.Cleanup(func() { _ = b.Close() })
	newTransport := func(t *testing.T) transport.Transport {
		tr, err := b.Transport()
		require.NoError(t, err)
		t.Cleanup(func() { _ = tr.Close() })
		return tr
	}
	caps := newTransport(t).Capabilities()
	require.Equal(t, transport.Capabilities{
		Requeue: true, DelayedRequeue: true, Pools: true, Ordering: true,
		Lease: true, DeadLetter: true, Backlog: true,
	}, caps, "everything but durability")
	transporttest.Run(t, transporttest.Config{
		NewTransport: newTransport,
		Capabilities: caps,
		// The broker acts synchronously: a wrong redelivery would show at
		// once, so a short window for "nothing arrives" checks suffices.
		Quiet: 100 * time.Millisecond,
	})
}
