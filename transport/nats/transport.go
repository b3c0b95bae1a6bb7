package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/harkmq/hark/internal/backoff"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// Transport is a hark transport over NATS: JetStream (the default) or core
// NATS (ModeCore). It implements transport.Transport; all methods are safe
// for concurrent use.
type Transport struct {
	cfg     config
	log     *zap.Logger
	nc      *natsgo.Conn
	js      jetstream.JetStream // nil in core mode
	ownConn bool
	// connClosed is closed by the connection's ClosedHandler (own
	// connections only), so Close can wait for Drain to finish.
	connClosed chan struct{}

	streams *ensureCache
	// reconnects is the connection's reconnect count when the caches were
	// last known valid.
	reconnects atomic.Uint64

	slowConsumers atomic.Uint64

	listeners driverkit.Listeners[listenerCloser]
}

// listenerCloser is what the transport closes when it closes.
type listenerCloser interface{ Close() error }

var _ transport.Transport = (*Transport)(nil)

// Open connects to the servers u names and returns a transport that owns
// the connection (Close drains it). o comes from transport.Open (logger,
// default exchange); opts override what the URL says. The connection
// reconnects forever, with backoff and jitter, so a listener survives
// broker restarts; Open itself fails if no server answers now.
func Open(ctx context.Context, u *transport.URL, o transport.Options, opts ...Option) (*Transport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, dial, err := configure(u, o, opts)
	if err != nil {
		return nil, err
	}
	t := newTransport(cfg)
	t.ownConn = true
	t.connClosed = make(chan struct{})
	nopts := append(dial.opts,
		natsgo.DrainTimeout(cfg.drainTimeout),
		natsgo.DisconnectErrHandler(t.onDisconnect),
		natsgo.ReconnectHandler(t.onReconnect),
		natsgo.ClosedHandler(func(*natsgo.Conn) { close(t.connClosed) }),
		natsgo.ErrorHandler(t.onAsyncError),
		natsgo.LameDuckModeHandler(func(*natsgo.Conn) {
			t.log.Warn("nats: the server is entering lame duck mode; the connection will move to another server")
		}),
	)
	nopts = append(nopts, cfg.natsOpts...)
	nc, err := connect(ctx, strings.Join(dial.servers, ","), nopts)
	if err != nil {
		return nil, fmt.Errorf("nats: connect to %s: %w", redactedServers(u), err)
	}
	if err := t.attach(nc); err != nil {
		nc.Close()
		return nil, err
	}
	t.log.Info("nats: connected", zap.String("server", nc.ConnectedUrlRedacted()),
		zap.String("mode", string(cfg.mode)), zap.String("default_exchange", cfg.exchange))
	return t, nil
}

// configure is what Open and ValidateURL share: the transport settings
// from the defaults, o, u's options and opts, and how to dial, all
// checked.
func configure(u *transport.URL, o transport.Options, opts []Option) (config, dialConfig, error) {
	if u == nil {
		return config{}, dialConfig{}, fmt.Errorf("nats: %w: nil URL", transport.ErrInvalidURL)
	}
	cfg := defaultConfig()
	if o.Logger != nil {
		cfg.log = o.Logger
	}
	if o.DefaultExchange != "" {
		cfg.exchange = o.DefaultExchange
	}
	dial, err := parseURL(u, &cfg)
	if err != nil {
		return config{}, dialConfig{}, err
	}
	if err := cfg.apply(opts); err != nil {
		return config{}, dialConfig{}, err
	}
	return cfg, dial, nil
}

// ValidateURL checks u as Open does, without connecting: its options and
// their values (an nkey seed file is read). Errors wrap
// transport.ErrInvalidURL; an unknown option's error lists the valid
// ones.
func ValidateURL(u *transport.URL) error {
	_, _, err := configure(u, transport.Options{}, nil)
	return err
}

// New returns a transport on an existing connection, which the caller
// keeps owning: Close closes the transport's listeners but leaves nc
// open. New installs no connection handlers (they are the caller's), so
// the transport notices reconnects by the connection's statistics, and
// its listeners renew the pull requests a restarted server forgot only
// after two missed heartbeats (5s) rather than at once; slow consumers
// are not counted. In JetStream mode a server older than
// MinServerVersion is refused (ErrServerTooOld).
func New(ctx context.Context, nc *natsgo.Conn, opts ...Option) (*Transport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if nc == nil {
		return nil, opt.Invalid("nil connection")
	}
	cfg := defaultConfig()
	if err := cfg.apply(opts); err != nil {
		return nil, err
	}
	t := newTransport(cfg)
	if err := t.attach(nc); err != nil {
		return nil, err
	}
	return t, nil
}

func newTransport(cfg config) *Transport {
	return &Transport{
		cfg:     cfg,
		log:     cfg.log,
		streams: newEnsureCache(),
	}
}

func (t *Transport) attach(nc *natsgo.Conn) error {
	t.nc = nc
	t.reconnects.Store(nc.Stats().Reconnects)
	if t.cfg.mode == ModeCore {
		return nil
	}
	if err := checkServerVersion(nc.ConnectedServerVersion()); err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("nats: jetstream: %w", err)
	}
	t.js = js
	return nil
}

// Capabilities: JetStream has them all (Durable only with file storage);
// core NATS has pools and ordering only.
func (t *Transport) Capabilities() transport.Capabilities {
	if t.cfg.mode == ModeCore {
		return transport.Capabilities{Pools: true, Ordering: true}
	}
	return transport.Capabilities{
		Requeue:        true,
		DelayedRequeue: true,
		Durable:        t.cfg.storage == jetstream.FileStorage,
		Pools:          true,
		Ordering:       true,
		Lease:          true,
		DeadLetter:     true,
		Backlog:        true,
		StartPosition:  true,
	}
}

// DefaultExchange is the exchange of targets without one.
func (t *Transport) DefaultExchange() string { return t.cfg.exchange }

// Mode reports whether the transport uses JetStream or core NATS.
func (t *Transport) Mode() Mode { return t.cfg.mode }

// Conn returns the NATS connection.
func (t *Transport) Conn() *natsgo.Conn { return t.nc }

// SlowConsumerEvents counts the slow-consumer errors the connection
// reported (core mode: messages the client dropped because a listener
// fell behind). Counted only on connections Open made.
func (t *Transport) SlowConsumerEvents() uint64 { return t.slowConsumers.Load() }

// Send publishes msg to "<exchange>.<topic>.<priority>", in one attempt.
// In JetStream mode it returns once the stream has stored the message (a
// publish ack; a duplicate of a message ID seen within the duplicate
// window counts as stored), making sure first that the exchange's stream
// exists; it makes nothing per subject. In core mode it returns once the
// server has received the message (a flush). The attempt is bounded by
// ctx and by the publish timeout (URL option publish_timeout): an ack lost
// with a connection, a frozen server or a leader that died ends the
// attempt with an error transport.Retryable accepts, and the caller
// (transport.SendRetrying, the notifier) sends the same message again,
// which the stream stores once within its duplicate window.
func (t *Transport) Send(ctx context.Context, tg target.Target, p transport.Priority, msg transport.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tg.ValidateSend(); err != nil {
		return fmt.Errorf("nats: send: %w", err)
	}
	if !p.Valid() {
		return fmt.Errorf("nats: send: %w: unknown priority %q (valid: audit, debug, info, warn, error, critical, sample)", transport.ErrInvalidConfig, p)
	}
	if t.isClosed() {
		return fmt.Errorf("nats: send: %w", transport.ErrClosed)
	}
	tg = tg.WithDefaultExchange(t.cfg.exchange)
	ctx, cancel := context.WithTimeout(ctx, t.cfg.publishTimeout)
	defer cancel()
	k := key{exchange: tg.Exchange, topic: tg.Topic, priority: p}
	if t.cfg.mode == ModeCore {
		return t.publishCore(ctx, k, msg)
	}
	return t.publish(ctx, k, msg, scopedID(msg.ID, k.subject()))
}

// Listen subscribes to every (target, priority) of cfg in cfg.Pool. A
// zero Lease or MaxDeliveries takes the transport's default (URL options
// ack_wait and max_deliveries). In JetStream mode the listener reads one
// consumer per exchange of its targets (see the package documentation);
// in core mode it subscribes to its subjects.
func (t *Transport) Listen(ctx context.Context, cfg transport.ListenConfig) (transport.Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("nats: listen: %w", err)
	}
	if t.isClosed() {
		return nil, fmt.Errorf("nats: listen: %w", transport.ErrClosed)
	}
	if cfg.Lease == 0 {
		cfg.Lease = t.cfg.lease
	}
	if cfg.MaxDeliveries == 0 {
		cfg.MaxDeliveries = t.cfg.maxDeliveries
	}
	cfg = cfg.WithDefaults(t.cfg.exchange)

	var (
		l   listenerCloser
		err error
	)
	if t.cfg.mode == ModeCore {
		l, err = t.listenCore(ctx, cfg)
	} else {
		l, err = t.listenJetStream(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	if !t.listeners.Add(l) {
		_ = l.Close()
		return nil, fmt.Errorf("nats: listen: %w", transport.ErrClosed)
	}
	return l.(transport.Listener), nil
}

func (t *Transport) forgetListener(l listenerCloser) { t.listeners.Remove(l) }

func (t *Transport) isClosed() bool { return t.listeners.Closed() }

// Close closes the transport's listeners (their unsettled deliveries go
// back to the server at once), then, for a connection Open made, drains
// it: subscriptions end and every buffered publish, acks included, is
// flushed before the connection closes. Idempotent.
func (t *Transport) Close() error {
	first, err := driverkit.CloseAll(&t.listeners)
	if !first {
		return nil
	}
	errs := []error{err}
	if t.ownConn {
		if err := t.nc.Drain(); err != nil {
			// Drain refuses while reconnecting; nothing can be flushed then.
			t.nc.Close()
		}
		if !backoff.Await(t.connClosed, t.cfg.drainTimeout+5*time.Second) {
			t.nc.Close()
			errs = append(errs, fmt.Errorf("nats: close: the connection did not drain within %s", t.cfg.drainTimeout))
		}
	}
	return errors.Join(errs...)
}

// settleFlushTimeout bounds how long a closing listener waits for the
// server to take the acknowledgements it already sent.
const settleFlushTimeout = 2 * time.Second

// flushSettlements waits, within settleFlushTimeout, until the server has
// read every acknowledgement sent so far: acks are fire-and-forget, and a
// listener that closes is followed by members and new shapes that read
// the group's ack floor. A connection that is down flushes nothing; its
// unsettled messages are redelivered after their AckWait.
func (t *Transport) flushSettlements() {
	ctx, cancel := context.WithTimeout(context.Background(), settleFlushTimeout)
	defer cancel()
	_ = t.nc.FlushWithContext(ctx)
}
