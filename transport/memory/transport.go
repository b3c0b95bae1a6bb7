package memory

import (
	"bytes"
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// memTransport is a transport.Transport on a Broker. Its mutable fields are
// guarded by the broker's mutex.
type memTransport struct {
	b        *Broker
	log      *zap.Logger
	exchange string
	onClose  func()

	closed    bool
	listeners map[*listener]struct{}
}

var _ transport.Transport = (*memTransport)(nil)

// Send copies msg (body and headers, so the caller may reuse its buffers)
// and routes it. It returns once every queue it belongs in holds it.
func (t *memTransport) Send(ctx context.Context, tg target.Target, p transport.Priority, msg transport.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tg.ValidateSend(); err != nil {
		return fmt.Errorf("memory: send: %w", err)
	}
	if !p.Valid() {
		return fmt.Errorf("memory: send: %w: unknown priority %q (valid: audit, debug, info, warn, error, critical, sample)", transport.ErrInvalidConfig, p)
	}
	tg = tg.WithDefaultExchange(t.exchange)
	m := &transport.Message{ID: msg.ID, Body: bytes.Clone(msg.Body), Header: msg.Header.Clone()}

	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	if t.closed {
		return fmt.Errorf("memory: send: %w", transport.ErrClosed)
	}
	t.b.sendLocked(key{exchange: tg.Exchange, topic: tg.Topic, priority: p}, m)
	return nil
}

// Listen validates cfg, applies its defaults and subscribes: to the
// non-pooled queue of every (target, priority) without a pool, or to the
// pool's queue, created and bound as needed, with one. A pool queue this
// call creates for a transient pool goes when its last member closes
// (transient.go). A start position that reads what the broker retained is
// an error wrapping transport.ErrNotSupported.
func (t *memTransport) Listen(ctx context.Context, cfg transport.ListenConfig) (transport.Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("memory: listen: %w", err)
	}
	if cfg.Start.NeedsRetention() {
		return nil, fmt.Errorf("memory: listen: %w: start position %q: the broker keeps no history to start from", transport.ErrNotSupported, cfg.Start)
	}
	cfg = cfg.WithDefaults(t.exchange)
	keys := listenKeys(cfg)

	b := t.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("memory: listen: %w", transport.ErrClosed)
	}
	var qs []*queue
	switch {
	case cfg.Passive:
		var err error
		if qs, err = b.existingQueues(cfg, keys); err != nil {
			return nil, fmt.Errorf("memory: listen: %w", err)
		}
	case cfg.Pool == "":
		for _, k := range keys {
			qs = append(qs, b.nonPooledQueue(k))
		}
	default:
		_, exists := b.pools[cfg.Pool]
		q := b.poolQueue(cfg.Pool, keys)
		b.joinPool(q, !exists && cfg.Transient)
		qs = []*queue{q}
	}
	l := newListener(t, cfg, qs)
	t.listeners[l] = struct{}{}
	// The listener's intake ends with ctx. AfterFunc holds no goroutine
	// while ctx lives; Stop unregisters it.
	l.stopCtx = context.AfterFunc(ctx, func() { _ = l.Stop() })
	return l, nil
}

// listenKeys lists the distinct keys of cfg's targets × priorities, in
// order.
func listenKeys(cfg transport.ListenConfig) []key {
	seen := map[key]struct{}{}
	var keys []key
	for _, tg := range cfg.Targets {
		for _, p := range cfg.Priorities {
			k := key{exchange: tg.Exchange, topic: tg.Topic, priority: p}
			if _, dup := seen[k]; !dup {
				seen[k] = struct{}{}
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// Capabilities reports everything but Durable: the broker lives in the
// process's memory.
func (t *memTransport) Capabilities() transport.Capabilities {
	return transport.Capabilities{
		Requeue:        true,
		DelayedRequeue: true,
		Durable:        false,
		Pools:          true,
		Ordering:       true,
		Lease:          true,
		DeadLetter:     true,
		Backlog:        true,
	}
}

// DefaultExchange is the exchange of targets without one.
func (t *memTransport) DefaultExchange() string { return t.exchange }

// Close closes the transport's listeners (their unsettled deliveries go
// back to their queues) and refuses further Send and Listen calls. The
// broker and its queues live on. Idempotent.
func (t *memTransport) Close() error {
	t.b.mu.Lock()
	if t.closed {
		t.b.mu.Unlock()
		return nil
	}
	t.b.closeTransportLocked(t)
	t.b.mu.Unlock()
	// Outside the broker's lock: the driver's release may close the broker.
	if t.onClose != nil {
		t.onClose()
	}
	return nil
}

func (b *Broker) closeTransportLocked(t *memTransport) {
	t.closed = true
	for l := range t.listeners {
		b.closeListenerLocked(l)
	}
	delete(b.transports, t)
}
