package kafka

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// Transport is a hark transport over Kafka, wire-compatible with
// oslo.messaging's kafka driver. It implements transport.Transport,
// transport.Health and reports transport.DialectKafka (transport.DialectOf); all methods are safe for
// concurrent use.
//
// A Transport holds one franz-go client for sending, one for admin
// requests and one per listener.
type Transport struct {
	cfg   config
	log   *zap.Logger
	prod  *kgo.Client
	admCl *kgo.Client
	adm   *kadm.Client
	// health is shared by every client of the transport.
	health *health

	listeners driverkit.Listeners[*listener]
}

var (
	_ transport.Transport                      = (*Transport)(nil)
	_ transport.Health                         = (*Transport)(nil)
	_ interface{ Dialect() transport.Dialect } = (*Transport)(nil)
)

// Open connects to the cluster u names and returns a transport. o comes
// from transport.Open (logger, default exchange); the URL's options
// (oslo's names, see the package documentation) come next, and opts
// override both. Open reaches a broker before it returns, so a wrong
// address, certificate or password is an error here.
func Open(ctx context.Context, u *transport.URL, o transport.Options, opts ...Option) (*Transport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, err := configure(u, o, opts)
	if err != nil {
		return nil, err
	}
	for _, k := range inertOptions {
		if _, ok := u.Option(k); ok {
			cfg.log.Debug("URL option has no effect (deprecated in oslo too)", zap.String("option", k))
		}
	}
	if cfg.autoCommit {
		cfg.log.Info("enable_auto_commit is ignored: hark commits an offset only once everything before it is settled (at least once)")
	}
	h := &health{}
	prod, err := kgo.NewClient(append(cfg.clientOpts(h),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.AllowAutoTopicCreation(),
		kgo.ProducerLinger(cfg.batchTimeout),
		kgo.ProducerBatchCompression(codec(cfg.compression)),
		// Records have no key (as oslo's): spread them over the
		// partitions one by one, so that the members of a pool share the
		// load from the first record on (franz-go's default sticks to one
		// partition for 64 KiB).
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w: %w", transport.ErrInvalidConfig, err)
	}
	// Admin requests go through a client of their own: a metadata request
	// from the producer's client creates the topics it names.
	admCl, err := kgo.NewClient(cfg.clientOpts(h)...)
	if err != nil {
		prod.Close()
		return nil, fmt.Errorf("kafka: %w: %w", transport.ErrInvalidConfig, err)
	}
	t := &Transport{cfg: cfg, log: cfg.log, prod: prod, admCl: admCl, adm: kadm.NewClient(admCl), health: h}
	pctx, cancel := context.WithTimeout(ctx, cfg.publishTimeout)
	defer cancel()
	if err := prod.Ping(pctx); err != nil {
		prod.Close()
		admCl.Close()
		return nil, fmt.Errorf("kafka: connect to %v: %w", cfg.seeds, classify(err))
	}
	return t, nil
}

// configure is what Open and ValidateURL share: the settings from the
// defaults, o, u's options and opts, all checked.
func configure(u *transport.URL, o transport.Options, opts []Option) (config, error) {
	if u == nil {
		return config{}, fmt.Errorf("kafka: %w: nil URL", transport.ErrInvalidURL)
	}
	cfg := defaultConfig()
	if o.Logger != nil {
		cfg.log = o.Logger
	}
	if o.DefaultExchange != "" {
		cfg.exchange = o.DefaultExchange
	}
	if err := parseURL(u, &cfg); err != nil {
		return config{}, err
	}
	if err := cfg.apply(opts); err != nil {
		return config{}, err
	}
	if cfg.consumerGroup == "" {
		return config{}, fmt.Errorf("%w: option consumer_group is empty", transport.ErrInvalidURL)
	}
	return cfg, nil
}

// clientOpts are the options every client of the transport shares: where
// to connect and how to log in.
func (c *config) clientOpts(h *health) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.seeds...),
		kgo.ClientID("hark"),
		kgo.WithLogger(kgoLogger{c.log}),
		kgo.WithHooks(h),
	}
	if c.tls != nil {
		opts = append(opts, kgo.DialTLSConfig(c.tls.Clone()))
	}
	if c.sasl() {
		opts = append(opts, kgo.SASL(c.saslMechanism()))
	}
	return opts
}

// saslMechanism is the franz-go mechanism of sasl_mechanism with the URL's
// credentials.
func (c *config) saslMechanism() sasl.Mechanism {
	user, pass := c.username, c.password
	switch c.mechanism {
	case MechanismScramSHA256:
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()
	case MechanismScramSHA512:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
	}
	return plain.Auth{User: user, Pass: pass}.AsMechanism()
}

// codec is the franz-go codec of compression_codec.
func codec(name string) kgo.CompressionCodec {
	switch name {
	case CompressionGzip:
		return kgo.GzipCompression()
	case CompressionSnappy:
		return kgo.SnappyCompression()
	case CompressionLZ4:
		return kgo.Lz4Compression()
	case CompressionZstd:
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// ValidateURL checks u as Open does, without connecting: its options,
// their values and how they combine (TLS files are read). Errors wrap
// transport.ErrInvalidURL or transport.ErrInvalidConfig; an unknown
// option's error lists the valid ones.
func ValidateURL(u *transport.URL) error {
	_, err := configure(u, transport.Options{}, nil)
	return err
}

// New parses rawURL and opens a transport with opts: a shortcut for Open.
func New(ctx context.Context, rawURL string, opts ...Option) (*Transport, error) {
	return driver().OpenRaw(ctx, rawURL, opts...)
}

// DefaultExchange is the exchange of targets without one. It names the
// source of deliveries only: Kafka topic names have no exchange.
func (t *Transport) DefaultExchange() string { return t.cfg.exchange }

// Dialect is transport.DialectKafka: oslo's kafka driver nests the
// context as one "_context" object and sends no "_unique_id".
func (t *Transport) Dialect() transport.Dialect { return transport.DialectKafka }

// Capabilities reports what Kafka gives (see the package documentation):
// requeue and delayed requeue through retry topics, durable topics,
// pools as consumer groups, dead letters, the non-pooled backlog (that
// group starts at the earliest retained record of a topic it never read),
// and start positions. No lease: a delivery is held until it is settled or
// its partition is revoked, so Extend is not supported. No ordering: oslo
// sends without a key, so one topic's records spread over its partitions
// and only each partition is read in order.
func (t *Transport) Capabilities() transport.Capabilities {
	return transport.Capabilities{
		Requeue:        true,
		DelayedRequeue: true,
		Durable:        true,
		Pools:          true,
		DeadLetter:     true,
		Backlog:        true,
		StartPosition:  true,
	}
}

// topic is the Kafka topic of a target topic and priority.
func (t *Transport) topic(topic string, p transport.Priority) string {
	return topicName(topic, p, t.cfg.vhost)
}

// Close closes every listener (their unsettled deliveries go back to the
// group) and the send client. Idempotent.
func (t *Transport) Close() error {
	if first, _ := driverkit.CloseAll(&t.listeners); !first {
		return nil
	}
	t.prod.Close()
	t.admCl.Close()
	return nil
}

// kgoLogger sends franz-go's warnings and errors to the transport's
// logger; its info and debug lines are dropped.
type kgoLogger struct{ l *zap.Logger }

func (k kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	fields := make([]zap.Field, 0, len(keyvals)/2)
	for i := 0; i+1 < len(keyvals); i += 2 {
		fields = append(fields, zap.Any(fmt.Sprint(keyvals[i]), keyvals[i+1]))
	}
	switch level {
	case kgo.LogLevelError:
		k.l.Error("kafka client: "+msg, fields...)
	case kgo.LogLevelWarn:
		k.l.Warn("kafka client: "+msg, fields...)
	}
}
