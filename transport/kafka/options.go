package kafka

import (
	"crypto/tls"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// Defaults of the options. The URL option of the same oslo name documents
// its spelling; see the package documentation.
const (
	// DefaultPort is the port of hosts that name none.
	DefaultPort = 9092
	// DefaultConsumerGroup is oslo's consumer_group: the group of
	// listeners without a pool.
	DefaultConsumerGroup = "oslo_messaging_consumer"
	// DefaultMaxFetchBytes is oslo's kafka_max_fetch_bytes: the most a
	// fetch asks for per partition (max.partition.fetch.bytes).
	DefaultMaxFetchBytes = 1024 * 1024
	// DefaultConsumerTimeout is oslo's kafka_consumer_timeout: how long a
	// fetch waits on the broker for records (fetch.max.wait.ms).
	DefaultConsumerTimeout = time.Second
	// DefaultProducerBatchSize is oslo's producer_batch_size (accepted;
	// see the package documentation).
	DefaultProducerBatchSize = 16384
	// DefaultMaxPollRecords is oslo's max_poll_records: the most records
	// a listener takes from its client at a time (never more than its
	// free prefetch).
	DefaultMaxPollRecords = 500
	// DefaultPublishTimeout bounds a Send whose context has no deadline,
	// so that a notifier never blocks forever on a broker that is down.
	DefaultPublishTimeout = 30 * time.Second
	// DefaultRevokeGrace is how long a listener whose partitions are being
	// revoked (a member joined or left) waits for the deliveries it handed
	// out from them to be settled before it gives the rest back.
	DefaultRevokeGrace = 10 * time.Second
	// DefaultJoinWait bounds how long Listen waits for the new member to
	// be given partitions by its group (see Transport.Listen). It is
	// shorter than DefaultRevokeGrace, so that a Listen does not wait for
	// another member's slow handlers.
	DefaultJoinWait = 5 * time.Second
	// DefaultCommitInterval is the longest a settled offset waits before
	// it is committed; settles in between are committed together.
	DefaultCommitInterval = 100 * time.Millisecond
)

// Compression codecs of compression_codec (oslo's choices).
const (
	CompressionNone   = "none"
	CompressionGzip   = "gzip"
	CompressionSnappy = "snappy"
	CompressionLZ4    = "lz4"
	CompressionZstd   = "zstd"
)

// Security protocols of security_protocol (oslo's choices).
const (
	ProtocolPlaintext     = "PLAINTEXT"
	ProtocolSSL           = "SSL"
	ProtocolSASLPlaintext = "SASL_PLAINTEXT"
	ProtocolSASLSSL       = "SASL_SSL"
)

// SASL mechanisms of sasl_mechanism.
const (
	MechanismPlain       = "PLAIN"
	MechanismScramSHA256 = "SCRAM-SHA-256"
	MechanismScramSHA512 = "SCRAM-SHA-512"
)

// Option configures Open and New. Options given to Open override what the
// URL says.
type Option func(*config) error

// config is everything the transport needs; see defaultConfig.
type config struct {
	log      *zap.Logger
	exchange string

	seeds    []string
	username string
	password string
	vhost    string

	maxFetchBytes   int           // kafka_max_fetch_bytes
	consumerTimeout time.Duration // kafka_consumer_timeout
	consumerGroup   string        // consumer_group
	batchSize       int           // producer_batch_size (accepted, no effect)
	batchTimeout    time.Duration // producer_batch_timeout (linger)
	compression     string        // compression_codec
	autoCommit      bool          // enable_auto_commit (accepted, never used)
	maxPollRecords  int           // max_poll_records
	protocol        string        // security_protocol
	mechanism       string        // sasl_mechanism
	tls             *tls.Config   // from the ssl_* options

	publishTimeout time.Duration
	revokeGrace    time.Duration
	commitInterval time.Duration
	joinWait       time.Duration
	retry          transport.RetryPolicy
}

func defaultConfig() config {
	return config{
		log:             zap.NewNop(),
		exchange:        target.DefaultExchange,
		maxFetchBytes:   DefaultMaxFetchBytes,
		consumerTimeout: DefaultConsumerTimeout,
		consumerGroup:   DefaultConsumerGroup,
		batchSize:       DefaultProducerBatchSize,
		compression:     CompressionNone,
		maxPollRecords:  DefaultMaxPollRecords,
		protocol:        ProtocolPlaintext,
		mechanism:       MechanismPlain,
		publishTimeout:  DefaultPublishTimeout,
		revokeGrace:     DefaultRevokeGrace,
		commitInterval:  DefaultCommitInterval,
		joinWait:        DefaultJoinWait,
		retry:           transport.RetryPolicy{Attempts: 3, Backoff: transport.Backoff{Start: 100 * time.Millisecond, Step: 200 * time.Millisecond, Max: time.Second}},
	}
}

func (c *config) apply(opts []Option) error {
	for _, o := range opts {
		if err := o(c); err != nil {
			return err
		}
	}
	return nil
}

// sasl reports whether the protocol authenticates with SASL.
func (c *config) sasl() bool {
	return c.protocol == ProtocolSASLPlaintext || c.protocol == ProtocolSASLSSL
}

// secure reports whether the protocol speaks TLS.
func (c *config) secure() bool { return c.protocol == ProtocolSSL || c.protocol == ProtocolSASLSSL }

// opt names the driver in the errors of its options.
const opt = driverkit.Opt("kafka")

// WithLogger sets the logger. Default: transport.Open's, else a no-op
// logger.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) error { return opt.Logger(&c.log, l) }
}

// WithDefaultExchange sets the exchange of targets without one. Kafka
// topic names do not contain the exchange (as with oslo); the exchange
// only names the source of a delivery. Default: "openstack".
func WithDefaultExchange(name string) Option {
	return func(c *config) error { return opt.Exchange(&c.exchange, name) }
}

// WithConsumerGroup sets the group of listeners without a pool (oslo's
// consumer_group). Default: DefaultConsumerGroup.
func WithConsumerGroup(name string) Option {
	return func(c *config) error {
		if name == "" {
			return opt.Invalid("empty consumer group")
		}
		c.consumerGroup = name
		return nil
	}
}

// WithPublishTimeout bounds a Send, retries included, when its context
// has no deadline. Default: DefaultPublishTimeout.
func WithPublishTimeout(d time.Duration) Option {
	return func(c *config) error { return driverkit.SetPositive(opt, &c.publishTimeout, d, "publish timeout") }
}

// WithRevokeGrace sets how long a listener losing partitions in a
// rebalance waits for the deliveries it handed out from them to be
// settled; what is still unsettled then is given back through the retry
// topic (its delivery count rising) and settling it fails with
// transport.ErrLeaseExpired. The wait holds up the group's rebalance, so
// keep it well under the rebalance timeout (60s). 0 gives back at once.
// Default: DefaultRevokeGrace.
func WithRevokeGrace(d time.Duration) Option {
	return func(c *config) error {
		return driverkit.SetBetween(opt, &c.revokeGrace, d, 0, 30*time.Second, "revoke grace")
	}
}

// WithCommitInterval sets the longest a settled offset waits before it is
// committed (1ms to 1m). Shorter commits more often (more requests),
// longer redelivers more after a crash. Default: DefaultCommitInterval.
func WithCommitInterval(d time.Duration) Option {
	return func(c *config) error {
		return driverkit.SetBetween(opt, &c.commitInterval, d, time.Millisecond, time.Minute, "commit interval")
	}
}

// WithJoinWait bounds how long Listen waits for the group to give the new
// member partitions; 0 returns at once, before the member joined. A member
// of a group with more members than partitions gets none and waits the
// whole time. Default: DefaultJoinWait.
func WithJoinWait(d time.Duration) Option {
	return func(c *config) error { return driverkit.SetBetween(opt, &c.joinWait, d, 0, 5*time.Minute, "join wait") }
}

// WithRetryPolicy sets how a requeued copy or a dead-letter record is
// produced again when an attempt fails (the original stays unsettled
// until one succeeds). Default: 3 attempts, 100ms apart and growing.
func WithRetryPolicy(p transport.RetryPolicy) Option {
	return func(c *config) error {
		if err := p.Validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithTLS connects over TLS with cfg (nil: plain TCP). The URL's
// security_protocol and ssl_* options build one; this replaces it.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) error {
		c.tls = cfg
		return nil
	}
}
