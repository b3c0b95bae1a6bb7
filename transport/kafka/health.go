package kafka

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/transport"
)

// health remembers the last failed connection of the transport's
// clients (franz-go's HookBrokerConnect): until a connection succeeds
// again, the transport is not healthy.
type health struct {
	mu      sync.Mutex
	lastErr error
	addr    string
}

var _ kgo.HookBrokerConnect = (*health)(nil)

// OnBrokerConnect records whether a dial (with its SASL flow) worked.
func (h *health) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.lastErr = nil
		return
	}
	h.lastErr, h.addr = err, net.JoinHostPort(meta.Host, fmt.Sprint(meta.Port))
}

func (h *health) err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lastErr == nil {
		return nil
	}
	return fmt.Errorf("kafka: cannot reach %s: %w", h.addr, classify(h.lastErr))
}

// Healthy returns nil while the transport is open and its last
// connection attempt to a broker worked, else why not (e.g. "kafka:
// cannot reach 10.0.0.5:9092: connection refused"). franz-go reconnects
// by itself. It is cheap and does not block.
func (t *Transport) Healthy() error {
	if t.listeners.Closed() {
		return errTransportClosed
	}
	return t.health.err()
}

var errTransportClosed = fmt.Errorf("kafka: %w", transport.ErrClosed)
