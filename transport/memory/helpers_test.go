package memory_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
	"github.com/harkmq/hark/transport/transporttest"
)

const (
	timeout = 5 * time.Second
	quiet   = 100 * time.Millisecond
)

// newBroker returns a broker closed at cleanup and a constructor of its
// transports.
func newBroker(t *testing.T) (*memory.Broker, func() transport.Transport) {
	t.Helper()
	b := memory.NewBroker()
	t.Cleanup(func() { _ = b.Close() })
	return b, func() transport.Transport {
		t.Helper()
		tr, err := b.Transport()
		require.NoError(t, err)
		t.Cleanup(func() { _ = tr.Close() })
		return tr
	}
}

var notifications = target.Target{Exchange: "nova", Topic: "notifications"}

func infoConfig(pool string) transport.ListenConfig {
	return transport.ListenConfig{
		Targets:    []target.Target{notifications},
		Priorities: []transport.Priority{transport.Info},
		Pool:       pool,
	}
}

func listen(t *testing.T, tr transport.Transport, cfg transport.ListenConfig) transport.Listener {
	t.Helper()
	l, err := tr.Listen(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func next(t *testing.T, l transport.Listener) transport.Delivery {
	t.Helper()
	return transporttest.Next(t, l, timeout)
}
