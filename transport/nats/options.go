package nats

import (
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// Mode selects how the transport uses NATS.
type Mode string

const (
	// ModeJetStream (the default) stores notifications in JetStream
	// streams and reads them through durable pull consumers: at least
	// once, with requeue, leases, dead letters, backlog and durability.
	ModeJetStream Mode = "jetstream"
	// ModeCore uses plain subjects and queue groups: at most once, nothing
	// stored, no requeue. A listener that asks for requeue fails with
	// transport.ErrNotSupported.
	ModeCore Mode = "core"
)

// Defaults of the options. Each URL option of the same name documents its
// spelling; see the package documentation.
const (
	// DefaultPort is the port of hosts that name none.
	DefaultPort = 4222
	// DefaultName is the connection name the server shows (nats server
	// report connections) when none is given.
	DefaultName = "hark"
	// DefaultReplicas is the replica count of the streams the transport
	// creates.
	DefaultReplicas = 1
	// DefaultDuplicateWindow is how long JetStream remembers a message ID
	// (Nats-Msg-Id) to drop a re-sent duplicate (the server's default).
	DefaultDuplicateWindow = 2 * time.Minute
	// DefaultMaxAckPending caps, per consumer (one group on one shape,
	// across all its members), the deliveries awaiting an ack, delayed
	// requeues included (JetStream keeps a message requeued with a delay
	// pending until it is redelivered). Each listener's own bound is its
	// ListenConfig.Prefetch; this one leaves room for many members.
	DefaultMaxAckPending = 10_000
	// DefaultMaxAge is how long a stream keeps a notification (and a
	// dead-letter record) whether or not every group has read it: a week,
	// Kafka's default retention. It also bounds how long a group's
	// consumer outlives its last listener (see WithInactiveThreshold).
	DefaultMaxAge = 7 * 24 * time.Hour
	// DefaultTransientInactiveThreshold is how long the broker keeps a
	// transient pool's consumer after its last listener stopped asking
	// for messages (a process killed without closing it).
	DefaultTransientInactiveThreshold = 30 * time.Second
	// DefaultReconnectWait is the first reconnect delay; it doubles per
	// failed round over the server list up to DefaultMaxReconnectWait, each
	// with up to 20% jitter.
	DefaultReconnectWait = 250 * time.Millisecond
	// DefaultMaxReconnectWait caps the reconnect delay.
	DefaultMaxReconnectWait = 5 * time.Second
	// DefaultConnectTimeout bounds each dial.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultPublishTimeout bounds one attempt of a Send: the wait for the
	// JetStream ack (or, in core mode, the flush). A caller that retries
	// (transport.SendRetrying) sends again after it.
	DefaultPublishTimeout = 10 * time.Second
	// DefaultDrainTimeout bounds Close's drain of the connection.
	DefaultDrainTimeout = 30 * time.Second
)

// Option configures Open and New. Options given to Open override what the
// URL says.
type Option func(*config) error

// config is everything the transport needs besides the connection. The
// zero value is not usable; see defaultConfig.
type config struct {
	log             *zap.Logger
	exchange        string
	mode            Mode
	lease           time.Duration
	maxDeliveries   int
	replicas        int
	storage         jetstream.StorageType
	maxAge          time.Duration
	maxBytes        int64
	duplicateWindow time.Duration
	maxAckPending   int
	// inactive is the consumers' InactiveThreshold; inactiveSet records
	// that an option set it (otherwise it follows maxAge).
	inactive       time.Duration
	inactiveSet    bool
	publishTimeout time.Duration
	drainTimeout   time.Duration
	natsOpts       []natsgo.Option
}

func defaultConfig() config {
	return config{
		log:             zap.NewNop(),
		exchange:        target.DefaultExchange,
		mode:            ModeJetStream,
		lease:           transport.DefaultLease,
		replicas:        DefaultReplicas,
		storage:         jetstream.FileStorage,
		maxAge:          DefaultMaxAge,
		maxBytes:        -1,
		duplicateWindow: DefaultDuplicateWindow,
		maxAckPending:   DefaultMaxAckPending,
		publishTimeout:  DefaultPublishTimeout,
		drainTimeout:    DefaultDrainTimeout,
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

// opt names the driver in the errors of its options.
const opt = driverkit.Opt("nats")

// WithLogger sets the logger. Default: a no-op logger.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) error { return opt.Logger(&c.log, l) }
}

// WithDefaultExchange sets the exchange of targets without one. Default
// "openstack" (target.DefaultExchange).
func WithDefaultExchange(name string) Option {
	return func(c *config) error { return opt.Exchange(&c.exchange, name) }
}

// WithMode selects JetStream (default) or core NATS.
func WithMode(m Mode) Option {
	return func(c *config) error {
		switch m {
		case ModeJetStream, ModeCore:
			c.mode = m
			return nil
		}
		return opt.Invalid("unknown mode %q (valid: jetstream, core)", m)
	}
}

// WithLease sets the lease (JetStream AckWait) of listeners whose
// ListenConfig.Lease is 0. Default transport.DefaultLease (30s).
func WithLease(d time.Duration) Option {
	return func(c *config) error { return driverkit.SetPositive(opt, &c.lease, d, "lease") }
}

// WithMaxDeliveries sets the delivery cap of listeners whose
// ListenConfig.MaxDeliveries is 0. Default 0: no cap.
func WithMaxDeliveries(n int) Option {
	return func(c *config) error { return driverkit.SetNonNegative(opt, &c.maxDeliveries, n, "max deliveries") }
}

// WithReplicas sets the replica count of streams the transport creates
// (1 to 5; a JetStream cluster needs 3 for fault tolerance). Default 1.
func WithReplicas(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 5 {
			return opt.Invalid("replicas %d is not between 1 and 5", n)
		}
		c.replicas = n
		return nil
	}
}

// WithStorage sets the storage of streams the transport creates:
// jetstream.FileStorage (default; survives a server restart) or
// jetstream.MemoryStorage (the transport then does not claim the Durable
// capability).
func WithStorage(s jetstream.StorageType) Option {
	return func(c *config) error {
		if s != jetstream.FileStorage && s != jetstream.MemoryStorage {
			return opt.Invalid("unknown storage %v (valid: file, memory)", s)
		}
		c.storage = s
		return nil
	}
}

// WithMaxAge sets how long a stream keeps a notification (streams use
// limits retention: a notification stays for max age whether or not every
// group has read it, which is what lets a new group start from what the
// stream retains). Dead-letter records share their exchange's stream and
// its max age. 0 keeps notifications until max bytes (or the server's
// storage limit) discards the oldest. Default DefaultMaxAge (7 days).
func WithMaxAge(d time.Duration) Option {
	return func(c *config) error { return driverkit.SetNonNegative(opt, &c.maxAge, d, "max age") }
}

// WithMaxBytes bounds a stream's size; the oldest messages are discarded
// beyond it. Default -1: unlimited.
func WithMaxBytes(n int64) Option {
	return func(c *config) error {
		if n == 0 || n < -1 {
			return opt.Invalid("max bytes %d must be positive or -1 (unlimited)", n)
		}
		c.maxBytes = n
		return nil
	}
}

// WithDuplicateWindow sets how long a stream remembers message IDs to drop
// re-sent duplicates. Default DefaultDuplicateWindow (2m).
func WithDuplicateWindow(d time.Duration) Option {
	return func(c *config) error { return driverkit.SetPositive(opt, &c.duplicateWindow, d, "duplicate window") }
}

// WithMaxAckPending sets the consumers' MaxAckPending. Default
// DefaultMaxAckPending (1000); -1 is unlimited.
func WithMaxAckPending(n int) Option {
	return func(c *config) error {
		if n == 0 || n < -1 {
			return opt.Invalid("max ack pending %d must be positive or -1 (unlimited)", n)
		}
		c.maxAckPending = n
		return nil
	}
}

// WithInactiveThreshold sets how long the server keeps a group's consumer
// after its last listener stopped asking for messages; 0 keeps it for
// good. Default: the stream's max age, so a consumer goes only when
// everything it could have missed has aged out of the stream anyway, and
// a group that comes back after that starts afresh as a new group does.
func WithInactiveThreshold(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return opt.Invalid("inactive threshold %s is negative", d)
		}
		c.inactive, c.inactiveSet = d, true
		return nil
	}
}

// inactiveThreshold is the InactiveThreshold of durable group consumers.
func (c *config) inactiveThreshold() time.Duration {
	if c.inactiveSet {
		return c.inactive
	}
	return c.maxAge
}

// WithPublishTimeout bounds one attempt of a Send, whatever the
// context's deadline. Default DefaultPublishTimeout (10s).
func WithPublishTimeout(d time.Duration) Option {
	return func(c *config) error { return driverkit.SetPositive(opt, &c.publishTimeout, d, "publish timeout") }
}

// WithNATSOptions adds nats.go connection options, applied after the ones
// the URL implies (so they win); e.g. natsgo.InProcessServer(srv) to talk
// to an embedded server without a socket. Ignored by New, which is given
// a connection.
func WithNATSOptions(opts ...natsgo.Option) Option {
	return func(c *config) error {
		c.natsOpts = append(c.natsOpts, opts...)
		return nil
	}
}
