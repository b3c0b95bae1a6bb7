package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"

	natsgo "github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// This file holds what concerns the connection: dialing and the
// connection's event handlers.

// connect dials in the background so ctx can abandon a slow dial.
func connect(ctx context.Context, servers string, opts []natsgo.Option) (*natsgo.Conn, error) {
	type result struct {
		nc  *natsgo.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		nc, err := natsgo.Connect(servers, opts...)
		ch <- result{nc, err}
	}()
	select {
	case r := <-ch:
		return r.nc, refused(r.err)
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// refused marks the server's refusal of the credentials (an
// authorization violation, expired or revoked ones) with
// transport.ErrCredentialsRefused; other errors pass unchanged.
func refused(err error) error {
	for _, auth := range []error{natsgo.ErrAuthorization, natsgo.ErrAuthExpired, natsgo.ErrAuthRevoked, natsgo.ErrAccountAuthExpired} {
		if errors.Is(err, auth) {
			return fmt.Errorf("%w: %w", transport.ErrCredentialsRefused, err)
		}
	}
	return err
}

func redactedServers(u *transport.URL) string {
	if len(u.Hosts) == 0 {
		return fmt.Sprintf("127.0.0.1:%d", DefaultPort)
	}
	s := make([]string, len(u.Hosts))
	for i, h := range u.Hosts {
		s[i] = h.String()
	}
	return strings.Join(s, ",")
}

// checkReconnects empties the caches of streams and consumers known to
// exist when the connection has reconnected since: the server may be a new
// one, or have restarted without its store (memory storage).
func (t *Transport) checkReconnects() {
	n := t.nc.Stats().Reconnects
	if old := t.reconnects.Load(); n != old && t.reconnects.CompareAndSwap(old, n) {
		t.streams.reset()
	}
}

func (t *Transport) onDisconnect(nc *natsgo.Conn, err error) {
	if err != nil {
		t.log.Warn("nats: disconnected; reconnecting", zap.Error(err))
	}
}

func (t *Transport) onReconnect(nc *natsgo.Conn) {
	t.log.Info("nats: reconnected", zap.String("server", nc.ConnectedUrlRedacted()))
	t.checkReconnects()
	if err := checkServerVersion(nc.ConnectedServerVersion()); err != nil && t.cfg.mode == ModeJetStream {
		t.log.Error("nats: reconnected to a server too old for JetStream mode; listeners will fail until it is upgraded", zap.Error(err))
	}
	ls, _ := t.listeners.Snapshot()
	for _, l := range ls {
		if r, ok := l.(interface{ reconnected() }); ok {
			r.reconnected()
		}
	}
}

// onAsyncError logs the connection's asynchronous errors; slow-consumer
// events, where the client dropped messages because a subscription fell
// behind, are counted too.
func (t *Transport) onAsyncError(nc *natsgo.Conn, sub *natsgo.Subscription, err error) {
	if errors.Is(err, natsgo.ErrSlowConsumer) {
		t.slowConsumers.Add(1)
		f := []zap.Field{zap.Error(err), zap.Uint64("slow_consumer_events", t.slowConsumers.Load())}
		if sub != nil {
			dropped, _ := sub.Dropped()
			f = append(f, zap.String("subject", sub.Subject), zap.String("queue", sub.Queue), zap.Int("dropped", dropped))
		}
		t.log.Warn("nats: slow consumer: the client dropped messages for a listener that fell behind", f...)
		return
	}
	f := []zap.Field{zap.Error(err)}
	if sub != nil {
		f = append(f, zap.String("subject", sub.Subject))
	}
	t.log.Warn("nats: asynchronous error", f...)
}

var _ transport.Health = (*Transport)(nil)

// Healthy returns nil while the connection is up, and otherwise what is
// wrong: reconnecting (with the last error), draining, or closed. It
// takes no lock the connection holds for long and does not block, so a
// readiness probe can call it freely.
func (t *Transport) Healthy() error {
	if t.isClosed() {
		return fmt.Errorf("nats: %w", transport.ErrClosed)
	}
	switch st := t.nc.Status(); st {
	case natsgo.CONNECTED:
		return nil
	case natsgo.RECONNECTING, natsgo.CONNECTING:
		if err := t.nc.LastError(); err != nil {
			return fmt.Errorf("nats: reconnecting to %s: %w", t.nc.ConnectedUrlRedacted(), refused(err))
		}
		return fmt.Errorf("nats: reconnecting")
	default:
		return fmt.Errorf("nats: connection %s", st)
	}
}

// Dial opens a plain nats.go connection to the servers u names, with the
// credentials, TLS and timeouts Open would use, but no transport around
// it: for tools that talk to the same servers directly (hark bench's
// baseline, operators' scripts). The caller closes it. Errors wrap
// transport.ErrInvalidURL for a bad URL and never show a password.
func Dial(ctx context.Context, u *transport.URL) (*natsgo.Conn, error) {
	_, dial, err := configure(u, transport.Options{}, nil)
	if err != nil {
		return nil, err
	}
	nc, err := connect(ctx, strings.Join(dial.servers, ","), dial.opts)
	if err != nil {
		return nil, fmt.Errorf("nats: connect to %s: %w", redactedServers(u), err)
	}
	return nc, nil
}
