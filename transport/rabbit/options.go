package rabbit

import (
	"crypto/tls"
	"fmt"
	"math"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// Defaults of the options. The URL option of the same oslo name documents
// its spelling; see the package documentation.
const (
	// DefaultPort is the port of hosts that name none (oslo: "host.port or
	// 5672", also with ssl=true).
	DefaultPort = 5672
	// DefaultTLSPort is the port of hosts that name none in an amqps:// URL.
	DefaultTLSPort = 5671
	// DefaultHeartbeat is oslo's heartbeat_timeout_threshold: the AMQP
	// heartbeat the client asks for.
	DefaultHeartbeat = 60 * time.Second
	// DefaultHeartbeatRate is oslo's heartbeat_rate (HEAD; 14.0.3 had 2).
	DefaultHeartbeatRate = 3
	// DefaultRetryInterval is oslo's rabbit_retry_interval: kombu's
	// interval_start, the wait before the first retry.
	DefaultRetryInterval = 1 * time.Second
	// DefaultRetryBackoff is oslo's rabbit_retry_backoff: kombu's
	// interval_step, how much longer each later wait is.
	DefaultRetryBackoff = 2 * time.Second
	// DefaultIntervalMax is oslo's rabbit_interval_max: kombu's
	// interval_max, the longest wait between attempts.
	DefaultIntervalMax = 30 * time.Second
	// DefaultReconnectDelay is oslo's kombu_reconnect_delay: the pause
	// after a connection is lost, before the first reconnect attempt.
	DefaultReconnectDelay = 1 * time.Second
	// DefaultConnectTimeout bounds one dial, TCP and AMQP handshake
	// included.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultPublishTimeout bounds a Send (retries included) whose context
	// has no deadline, so that a notifier never blocks forever on a broker
	// that is down (oslo's pain point: retry=-1 blocks the caller).
	DefaultPublishTimeout = 30 * time.Second
	// DefaultConnectionName prefixes the connection_name client property
	// RabbitMQ shows in its management UI and rabbitmqctl
	// list_connections (oslo: "<argv0>:<pid>:<uuid>").
	DefaultConnectionName = "hark"
	// DefaultTransientQueueExpiry is how long the queue of a transient
	// pool lasts without ever getting a consumer (x-expires).
	DefaultTransientQueueExpiry = time.Minute
	// maxPrefetch is the largest basic.qos prefetch_count (a short uint).
	maxPrefetch = 65535
)

// FailoverStrategy is oslo's kombu_failover_strategy: how the next host of
// a multi-host URL is chosen when a connection fails.
type FailoverStrategy string

const (
	// RoundRobin (the default) tries the hosts in turn, starting from the
	// one that worked last.
	RoundRobin FailoverStrategy = "round-robin"
	// Shuffle tries the hosts in a new random order on every round.
	Shuffle FailoverStrategy = "shuffle"
)

// Option configures Open and New. Options given to Open override what the
// URL says.
type Option func(*config) error

// config is everything the transport needs. The zero value is not usable;
// see defaultConfig.
type config struct {
	log      *zap.Logger
	exchange string

	// Topology (oslo's [oslo_messaging_rabbit] queue options).
	durableQueues       bool // amqp_durable_queues
	autoDelete          bool // amqp_auto_delete
	haQueues            bool // rabbit_ha_queues
	quorum              bool // rabbit_quorum_queue
	quorumDeliveryLimit int
	quorumMaxMemLength  int
	quorumMaxMemBytes   int
	cancelOnFailover    bool // enable_cancel_on_failover

	prefetch    int    // rabbit_qos_prefetch_count; 0 = transport.DefaultPrefetch
	compression string // kombu_compression; "" = none
	// transientExpiry is the x-expires of transient pools' queues.
	transientExpiry time.Duration

	// Connection.
	heartbeat      time.Duration
	heartbeatRate  int
	failover       FailoverStrategy
	reconnectDelay time.Duration
	reconnectSplay time.Duration
	connectTimeout time.Duration
	loginMethod    string
	tls            *tls.Config // nil = plain TCP
	connectionName string

	// Publishing.
	retry          RetryPolicy
	publishTimeout time.Duration

	// record, when set, is told every exchange and queue the transport
	// declares (kind "exchange" or "queue"): tests delete them afterwards.
	record func(kind, name string)
}

func defaultConfig() config {
	return config{
		log:            zap.NewNop(),
		exchange:       target.DefaultExchange,
		heartbeat:      DefaultHeartbeat,
		heartbeatRate:  DefaultHeartbeatRate,
		failover:       RoundRobin,
		reconnectDelay: DefaultReconnectDelay,
		connectTimeout: DefaultConnectTimeout,
		loginMethod:    "AMQPLAIN",
		connectionName: DefaultConnectionName,
		retry:          DefaultRetryPolicy(),
		publishTimeout: DefaultPublishTimeout,

		transientExpiry: DefaultTransientQueueExpiry,
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

// durable is oslo's Connection.durable: quorum queues are always durable,
// so the exchange and queues are too.
func (c *config) durable() bool { return c.durableQueues || c.quorum }

// validate checks what no single option can: combinations.
func (c *config) validate() error {
	if c.quorum && c.haQueues {
		// oslo raises RuntimeError for the same combination.
		return fmt.Errorf("rabbit: %w: rabbit_quorum_queue and rabbit_ha_queues are both enabled; a queue is quorum or HA (mirrored), not both", transport.ErrInvalidConfig)
	}
	return c.retry.validate()
}

// opt names the driver in the errors of its options.
const opt = driverkit.Opt("rabbit")

// WithLogger sets the logger. Default: a no-op logger.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) error { return opt.Logger(&c.log, l) }
}

// WithDefaultExchange sets the exchange of targets without one (oslo's
// control_exchange). Default: "openstack", or the URL's control_exchange.
func WithDefaultExchange(name string) Option {
	return func(c *config) error { return opt.Exchange(&c.exchange, name) }
}

// WithDurableQueues makes exchanges and queues durable (oslo's
// amqp_durable_queues). Default: false, as in oslo. Queues declared by
// OpenStack services must be matched: a declare that disagrees with an
// existing queue falls back to using the queue as it is (see the package
// documentation), so a mismatch is logged, never fatal.
func WithDurableQueues(on bool) Option {
	return func(c *config) error { c.durableQueues = on; return nil }
}

// WithAutoDelete makes exchanges and queues auto-delete (oslo's
// amqp_auto_delete). Default: false.
func WithAutoDelete(on bool) Option {
	return func(c *config) error { c.autoDelete = on; return nil }
}

// WithQuorumQueues declares quorum queues (oslo's rabbit_quorum_queue,
// x-queue-type: quorum), which are durable. deliveryLimit > 0 sets
// x-delivery-limit (oslo's rabbit_quorum_delivery_limit); the broker then
// drops, or dead-letters through a DLX policy, a message returned that many
// times, independently of ListenConfig.MaxDeliveries. Default: classic
// queues.
func WithQuorumQueues(on bool, deliveryLimit int) Option {
	return func(c *config) error {
		if deliveryLimit < 0 {
			return opt.Invalid("quorum delivery limit %d is negative", deliveryLimit)
		}
		c.quorum, c.quorumDeliveryLimit = on, deliveryLimit
		return nil
	}
}

// WithHAQueues adds the x-ha-policy: all queue argument (oslo's
// rabbit_ha_queues). RabbitMQ ignores the argument since 3.0; it is sent
// only so that declares match queues oslo services declared with it.
// Default: false.
func WithHAQueues(on bool) Option {
	return func(c *config) error { c.haQueues = on; return nil }
}

// WithPrefetch sets the prefetch of listeners whose ListenConfig.Prefetch
// is 0 (oslo's rabbit_qos_prefetch_count). 0, the default, means
// transport.DefaultPrefetch: unlike oslo, whose 0 is "unlimited", a hark
// listener never takes the whole backlog.
func WithPrefetch(n int) Option {
	return func(c *config) error {
		if n < 0 || n > maxPrefetch {
			return opt.Invalid("prefetch %d is out of range (0..%d)", n, maxPrefetch)
		}
		c.prefetch = n
		return nil
	}
}

// WithCompression compresses the body of every message given to Send that
// does not already carry a "compression" header, as kombu does for oslo's
// kombu_compression: "gzip" or "zlib" (zlib data, header
// application/x-gzip), "bz2" or "bzip2" (application/x-bz2), "xz" or
// "lzma" (application/x-lzma). "" (the default) sends bodies as given.
// Dead-letter records and requeues are never compressed: they keep the
// original bytes.
func WithCompression(name string) Option {
	return func(c *config) error {
		if _, err := compressionType(name); err != nil {
			return err
		}
		c.compression = name
		return nil
	}
}

// WithHeartbeat sets the AMQP heartbeat the client asks for (oslo's
// heartbeat_timeout_threshold). amqp091-go sends a heartbeat after half
// the negotiated interval of silence and drops the connection (which then
// reconnects) after one and a half intervals without a frame from the
// broker. 0 takes the broker's value: amqp091-go cannot turn heartbeats
// off when the broker asks for them. Default: DefaultHeartbeat.
func WithHeartbeat(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return opt.Invalid("heartbeat %s is negative", d)
		}
		if d > 0 && d < time.Second {
			return opt.Invalid("heartbeat %s is under a second (AMQP counts heartbeats in whole seconds)", d)
		}
		c.heartbeat = d
		return nil
	}
}

// WithFailover sets how the next host is chosen (oslo's
// kombu_failover_strategy). Default: RoundRobin.
func WithFailover(s FailoverStrategy) Option {
	return func(c *config) error {
		switch s {
		case RoundRobin, Shuffle:
			c.failover = s
			return nil
		}
		return opt.Invalid("failover strategy %q (valid: round-robin, shuffle)", s)
	}
}

// WithReconnectDelay sets the pause after a lost connection before the
// first reconnect attempt (oslo's kombu_reconnect_delay), plus up to splay
// of random extra delay (oslo's kombu_reconnect_splay) so that a fleet of
// listeners does not reconnect in lockstep. Defaults: DefaultReconnectDelay
// and no splay.
func WithReconnectDelay(delay, splay time.Duration) Option {
	return func(c *config) error {
		if delay < 0 || splay < 0 {
			return opt.Invalid("reconnect delay %s and splay %s must not be negative", delay, splay)
		}
		c.reconnectDelay, c.reconnectSplay = delay, splay
		return nil
	}
}

// WithConnectTimeout bounds each dial (TCP, TLS and AMQP handshakes).
// Default: DefaultConnectTimeout.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) error { return driverkit.SetPositive(opt, &c.connectTimeout, d, "connect timeout") }
}

// WithLoginMethod sets the SASL mechanism (oslo's rabbit_login_method):
// "AMQPLAIN" (the default, as in oslo), "PLAIN" or "EXTERNAL" (TLS client
// certificates).
func WithLoginMethod(m string) Option {
	return func(c *config) error {
		switch m {
		case "AMQPLAIN", "PLAIN", "EXTERNAL":
			c.loginMethod = m
			return nil
		}
		return opt.Invalid("login method %q (valid: AMQPLAIN, PLAIN, EXTERNAL)", m)
	}
}

// WithTLS connects over TLS with cfg (nil turns TLS off). The URL's ssl
// options build one; this option replaces it. When cfg has no ServerName,
// each host's name is used. Default: plain TCP, unless the URL says
// otherwise.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) error {
		c.tls = cfg
		return nil
	}
}

// WithConnectionName sets the prefix of the connection_name client
// property; each connection adds ":<role>:<id>" so that rabbitmqctl
// list_connections tells them apart. Default: DefaultConnectionName.
func WithConnectionName(name string) Option {
	return func(c *config) error {
		if name == "" {
			return opt.Invalid("empty connection name")
		}
		c.connectionName = name
		return nil
	}
}

// WithRetryPolicy sets how Send retries a failed publish (kombu's
// max_retries, interval_start, interval_step and interval_max). Default:
// DefaultRetryPolicy().
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithPublishTimeout bounds a Send, retries included, when its context has
// no deadline. Default: DefaultPublishTimeout.
func WithPublishTimeout(d time.Duration) Option {
	return func(c *config) error { return driverkit.SetPositive(opt, &c.publishTimeout, d, "publish timeout") }
}

// WithTransientQueueExpiry sets the x-expires of the queues of transient
// pools (transport.ListenConfig.Transient): how long such a queue lasts
// unused (no consumer, no declare) before the broker deletes it. A queue
// that had a consumer goes as soon as its last consumer does
// (auto-delete); this is the safety net for a queue whose listener died
// between declaring and consuming. It must be the same in every process
// of a pool: a declare with another value is refused and the queue used as
// it is (see the package documentation). At least a millisecond and
// below 24 days (a 32-bit count of milliseconds). Default:
// DefaultTransientQueueExpiry.
func WithTransientQueueExpiry(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond || d.Milliseconds() > math.MaxInt32 {
			return opt.Invalid("transient queue expiry %s is out of range (1ms..%s)", d, time.Duration(math.MaxInt32)*time.Millisecond)
		}
		c.transientExpiry = d
		return nil
	}
}
