package rabbit

import (
	"context"
	"fmt"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
	"github.com/harkmq/hark/transport/oslo"
)

// Transport is a hark transport over RabbitMQ, wire-compatible with
// oslo.messaging's rabbit driver. It implements transport.Transport and
// transport.Health; all methods are safe for concurrent use.
//
// A Transport holds one connection for sending and one per listener, each
// reconnecting by itself.
type Transport struct {
	cfg    config
	log    *zap.Logger
	dialer *dialer
	pub    *publisher
	// compression is the kombu_compression header value, "" for none.
	compression string
	// turns orders the declarations of each queue by the transport's
	// connections.
	turns declareTurns

	listeners driverkit.Listeners[*listener]
}

var (
	_ transport.Transport = (*Transport)(nil)
	_ transport.Health    = (*Transport)(nil)
)

// Open connects to the broker u names and returns a transport. o comes
// from transport.Open (logger, default exchange); the URL's options
// (oslo's names, see the package documentation) come next, and opts
// override both. Open connects the send connection before it returns, so
// a wrong address or password is an error here; after that, connections
// lost later are re-established by themselves.
func Open(ctx context.Context, u *transport.URL, o transport.Options, opts ...Option) (*Transport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, dt, ct, err := configure(u, o, opts)
	if err != nil {
		return nil, err
	}
	if dt.mixedCredentials {
		// oslo warns too: a host without credentials logs in with empty
		// ones, it does not borrow another host's.
		cfg.log.Warn("some hosts of the transport URL have credentials and some do not; those without log in with empty credentials")
	}
	for _, k := range inertOptions {
		if _, ok := u.Option(k); ok {
			cfg.log.Debug("URL option has no effect on notifications", zap.String("option", k))
		}
	}
	t := &Transport{cfg: cfg, log: cfg.log, compression: ct}
	t.dialer = newDialer(&t.cfg, dt)
	t.pub = newPublisher(&t.cfg, t.dialer, &t.turns)
	if _, _, err := t.pub.connection(ctx); err != nil {
		t.pub.close()
		return nil, err
	}
	return t, nil
}

// configure is what Open and ValidateURL share: the transport settings
// from the defaults, o, u's options and opts, where to dial, and the
// compression content type, all checked.
func configure(u *transport.URL, o transport.Options, opts []Option) (config, dialTarget, string, error) {
	if u == nil {
		return config{}, dialTarget{}, "", fmt.Errorf("rabbit: %w: nil URL", transport.ErrInvalidURL)
	}
	cfg := defaultConfig()
	if o.Logger != nil {
		cfg.log = o.Logger
	}
	if o.DefaultExchange != "" {
		cfg.exchange = o.DefaultExchange
	}
	dt, err := parseURL(u, &cfg)
	if err != nil {
		return config{}, dialTarget{}, "", err
	}
	if err := cfg.apply(opts); err != nil {
		return config{}, dialTarget{}, "", err
	}
	if err := cfg.validate(); err != nil {
		return config{}, dialTarget{}, "", err
	}
	ct, err := compressionType(cfg.compression)
	if err != nil {
		return config{}, dialTarget{}, "", err
	}
	return cfg, dt, ct, nil
}

// ValidateURL checks u as Open does, without connecting: its options,
// their values and how they combine (TLS files are read). Errors wrap
// transport.ErrInvalidURL or transport.ErrInvalidConfig; an unknown
// option's error lists the valid ones.
func ValidateURL(u *transport.URL) error {
	_, _, _, err := configure(u, transport.Options{}, nil)
	return err
}

// New parses rawURL and opens a transport with opts (and transport
// defaults for the rest): a shortcut for Open.
func New(ctx context.Context, rawURL string, opts ...Option) (*Transport, error) {
	return driver().OpenRaw(ctx, rawURL, opts...)
}

// DefaultExchange is the exchange of targets without one: the URL's
// control_exchange, WithDefaultExchange, or "openstack".
func (t *Transport) DefaultExchange() string { return t.cfg.exchange }

// Capabilities reports what RabbitMQ gives: requeue (immediate, and
// delayed through retry queues), pools, ordering per queue, dead letters,
// the non-pooled backlog (the publisher declares "<topic>.<priority>" as
// oslo's does), and durability when exchanges and queues are durable
// (amqp_durable_queues or quorum queues; messages are always persistent).
// No lease: RabbitMQ has no per-delivery deadline (only its
// consumer_timeout, 30 minutes by default, which closes the whole channel)
// and hark does not emulate one, so Extend is not supported.
func (t *Transport) Capabilities() transport.Capabilities {
	return transport.Capabilities{
		Requeue:        true,
		DelayedRequeue: true,
		Durable:        t.cfg.durable(),
		Pools:          true,
		Ordering:       true,
		DeadLetter:     true,
		Backlog:        true,
	}
}

// Send publishes msg as oslo's notifier does (spec §3.3, §4.3): it
// declares the target's topic exchange and the default queue
// "<topic>.<priority>" bound to it (once per connection), publishes with
// routing key "<topic>.<priority>", content type application/json,
// encoding utf-8, delivery mode 2 (persistent) and msg.Header as
// application headers, and waits for the publisher confirm. msg.ID goes
// into the message_id property (oslo sets none; listeners ignore it; see
// the package doc for how the properties differ from oslo's and why). With
// kombu_compression set, a body without a "compression" header is
// compressed first. Failures are retried with the retry policy (the same
// message each time), each attempt bounded by
// transport.DefaultAttemptTimeout; a context without a deadline is
// bounded by the publish timeout. An error that transport.Retryable
// accepts may be retried by the caller (transport.SendRetrying).
func (t *Transport) Send(ctx context.Context, tg target.Target, p transport.Priority, msg transport.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tg.ValidateSend(); err != nil {
		return fmt.Errorf("rabbit: send: %w", err)
	}
	if !p.Valid() {
		return fmt.Errorf("rabbit: send: %w: unknown priority %q (valid: audit, debug, info, warn, error, critical, sample)", transport.ErrInvalidConfig, p)
	}
	if t.isClosed() {
		return errPublisherClosed
	}
	headers := toTable(msg.Header)
	if t.compression != "" && !hasHeader(msg.Header, oslo.HeaderCompression) {
		body, err := oslo.CompressBody(t.compression, msg.Body)
		if err != nil {
			return fmt.Errorf("rabbit: send: compress (%s): %w", t.compression, err)
		}
		msg.Body = body
		if headers == nil {
			headers = amqp.Table{}
		}
		headers[oslo.HeaderCompression] = t.compression
	}
	return t.send(ctx, tg, p, msg, headers)
}

// send publishes msg with headers to tg as Send does, without compressing:
// dead-letter records go through here so they keep the original bytes.
func (t *Transport) send(ctx context.Context, tg target.Target, p transport.Priority, msg transport.Message, headers amqp.Table) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.cfg.publishTimeout)
		defer cancel()
	}
	tg = tg.WithDefaultExchange(t.cfg.exchange)
	return t.pub.publish(ctx, outgoing{
		exchange:     tg.Exchange,
		key:          routingKey(tg.Topic, p),
		defaultQueue: true,
		msg: amqp.Publishing{
			ContentType:     "application/json",
			ContentEncoding: "utf-8",
			DeliveryMode:    amqp.Persistent,
			Headers:         headers,
			MessageId:       msg.ID,
			Body:            msg.Body,
		},
	})
}

// hasHeader looks key up ignoring case, as the codec does.
func hasHeader(h transport.Header, key string) bool {
	for k := range h {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// Listen declares the listener's queues and bindings (see the package
// documentation), starts consuming, and returns the listener. The first
// connection is made here, so an unreachable broker or a refused declare
// is an error; later losses are reconnected by the listener itself. A zero
// cfg.Prefetch takes the URL's rabbit_qos_prefetch_count, else
// transport.DefaultPrefetch; prefetch is capped at 65535 (basic.qos).
// A transient pool's queue is auto-delete (see the package
// documentation). A start position that reads what the broker retained
// is an error wrapping transport.ErrNotSupported.
func (t *Transport) Listen(ctx context.Context, cfg transport.ListenConfig) (transport.Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("rabbit: listen: %w", err)
	}
	if cfg.Start.NeedsRetention() {
		return nil, fmt.Errorf("rabbit: listen: %w: start position %q: RabbitMQ keeps no history to start from", transport.ErrNotSupported, cfg.Start)
	}
	cfg = cfg.WithPrefetchDefault(t.cfg.prefetch).WithDefaults(t.cfg.exchange)
	cfg.Prefetch = min(cfg.Prefetch, maxPrefetch)
	l := newListener(t, cfg)
	if !t.listeners.Add(l) {
		return nil, errPublisherClosed
	}
	if err := l.start(ctx); err != nil {
		t.forget(l)
		return nil, err
	}
	return l, nil
}

// sibling returns another open listener of this transport that consumes
// queue and subscribed to (exchange, key), or nil. A shared queue (see
// parseSource) can hand one listener a message another local listener
// asked for; passing it over keeps listeners of one process apart, as
// oslo's fake driver keeps them (across processes, a shared queue's
// consumers compete, as with oslo).
func (t *Transport) sibling(queue, exchange, key string, not *listener) *listener {
	l, _ := t.listeners.Find(func(l *listener) bool {
		if l == not || !l.consumes(queue) || l.isStopped() {
			return false
		}
		_, _, ours := parseSource(exchange, key, &l.cfg)
		return ours
	})
	return l
}

// lostSession tells every listener that s is gone, so that none keeps
// its deliveries buffered or counted.
func (t *Transport) lostSession(s *session) {
	ls, _ := t.listeners.Snapshot()
	for _, l := range ls {
		l.lost(s)
	}
	// s's own listener may already be forgotten by the transport (Close).
	s.l.lost(s)
}

func (t *Transport) forget(l *listener) { t.listeners.Remove(l) }

func (t *Transport) isClosed() bool { return t.listeners.Closed() }

// Close closes every listener (their unsettled deliveries go back to the
// broker) and the send connection. Idempotent.
func (t *Transport) Close() error {
	if first, _ := driverkit.CloseAll(&t.listeners); !first {
		return nil
	}
	t.pub.close()
	return nil
}
