package nats_test

import (
	"testing"
	"time"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// TestConformance runs the transport conformance suite against an
// embedded JetStream server, claiming every capability.
func TestConformance(t *testing.T) {
	srv := startServer(t)
	transporttest.Run(t, transporttest.Config{
		NewTransport: func(t *testing.T) transport.Transport { return openInProcess(t, srv, "nats://") },
		Capabilities: transport.Capabilities{
			Requeue: true, DelayedRequeue: true, Durable: true, Pools: true,
			Ordering: true, Lease: true, DeadLetter: true, Backlog: true, StartPosition: true,
		},
		// JetStream's redelivery timer is coarse for short AckWaits.
		Lease: time.Second,
	})
}

// TestConformanceCore runs the suite in core mode: pools and ordering only.
func TestConformanceCore(t *testing.T) {
	srv := startServer(t)
	transporttest.Run(t, transporttest.Config{
		NewTransport: func(t *testing.T) transport.Transport { return openInProcess(t, srv, "nats://?mode=core") },
		Capabilities: transport.Capabilities{Pools: true, Ordering: true},
	})
}
