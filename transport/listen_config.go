package transport

import (
	"fmt"
	"time"

	"github.com/harkmq/hark/target"
)

// Defaults a driver applies to zero ListenConfig fields.
const (
	// DefaultPrefetch bounds the deliveries a listener holds unsettled when
	// ListenConfig.Prefetch is 0.
	DefaultPrefetch = 64
	// DefaultLease is the lease of a delivery when ListenConfig.Lease is 0.
	DefaultLease = 30 * time.Second
	// DeadLetterSuffix is appended to a source topic to name its default
	// dead-letter topic: "notifications" -> "notifications.dlq".
	DeadLetterSuffix = ".dlq"
)

// ListenConfig says what a listener subscribes to and how deliveries behave.
type ListenConfig struct {
	// Targets to listen on; each needs a topic. An empty Exchange means the
	// transport's default exchange.
	Targets []target.Target
	// Priorities to subscribe to, for every target. At least one.
	Priorities []Priority
	// Pool is the pool name; "" is the non-pooled group. Every pool, and the
	// non-pooled group, gets its own copy of each notification; listeners
	// in the same pool share the load.
	Pool string
	// Prefetch is the most deliveries this listener holds unsettled at a
	// time, buffered and handed out together. 0 means DefaultPrefetch.
	Prefetch int
	// Lease is how long a handed-out delivery may stay unsettled before the
	// broker redelivers it (JetStream AckWait). 0 means DefaultLease.
	// Ignored by transports without Capabilities.Lease.
	Lease time.Duration
	// MaxDeliveries caps deliveries of one message to this group: when a
	// delivery numbered MaxDeliveries is requeued or its lease runs out, the
	// message is dead-lettered with ReasonMaxDeliveries instead of being
	// delivered again. 0 means no cap.
	MaxDeliveries int
	// DeadLetterTopic is the topic dead-letter records are sent to, on the
	// exchange of the message's source target. "" means the source topic
	// plus DeadLetterSuffix.
	DeadLetterTopic string
	// Start is where the group starts reading when it does not exist yet
	// on the broker (see StartPosition); the zero value is the
	// transport's default. Positions that read what the broker retained
	// need Capabilities.StartPosition.
	Start StartPosition
	// Transient makes the group last only as long as its listeners: the
	// broker state kept for it is removed when the last listener closes,
	// and expires on the broker when the process dies without closing it
	// (hark tail's private pool). A transient group never gets what was
	// sent before it listened. Drivers keep nothing per group for the
	// non-pooled group, which cannot be transient.
	Transient bool
	// Passive makes the listener read only what already exists on the
	// broker, for tools that inspect (hark dlq): Listen creates no
	// exchange, stream, queue or binding and changes none. RabbitMQ:
	// passive declares, consuming the queues of the group that exist.
	// JetStream: the stream is looked up; the group's consumer is used
	// when it exists, and made only when the stream holds messages on the
	// listener's subjects (the consumer is where the group's progress
	// over them is kept). Memory: the queues that exist. Listen fails with
	// an error wrapping ErrExchangeNotFound when an exchange of the
	// targets does not exist, and ErrNotFound when nothing of the group
	// exists to read. The zero value (false) declares what is missing.
	Passive bool
}

// Validate checks the configuration; the error wraps ErrInvalidConfig or
// target.ErrInvalidTarget and names the bad field.
func (c ListenConfig) Validate() error {
	if len(c.Targets) == 0 {
		return fmt.Errorf("%w: a listener needs at least one target", ErrInvalidConfig)
	}
	for i, t := range c.Targets {
		if err := t.ValidateListen(); err != nil {
			return fmt.Errorf("targets[%d]: %w", i, err)
		}
	}
	if len(c.Priorities) == 0 {
		return fmt.Errorf("%w: a listener needs at least one priority", ErrInvalidConfig)
	}
	for _, p := range c.Priorities {
		if !p.Valid() {
			return fmt.Errorf("%w: unknown priority %q (valid: audit, debug, info, warn, error, critical, sample)", ErrInvalidConfig, p)
		}
	}
	if c.Pool != "" {
		if err := target.CheckName("pool", c.Pool, false); err != nil {
			return err
		}
	}
	if c.DeadLetterTopic != "" {
		if err := target.CheckName("dead-letter topic", c.DeadLetterTopic, true); err != nil {
			return err
		}
	}
	if c.Prefetch < 0 {
		return fmt.Errorf("%w: prefetch %d is negative", ErrInvalidConfig, c.Prefetch)
	}
	if c.Lease < 0 {
		return fmt.Errorf("%w: lease %s is negative", ErrInvalidConfig, c.Lease)
	}
	if c.MaxDeliveries < 0 {
		return fmt.Errorf("%w: max deliveries %d is negative", ErrInvalidConfig, c.MaxDeliveries)
	}
	if err := c.Start.Validate(); err != nil {
		return err
	}
	if c.Transient && c.Passive {
		return fmt.Errorf("%w: a transient pool is made by its listener; it cannot be passive", ErrInvalidConfig)
	}
	if c.Transient && c.Pool == "" {
		return fmt.Errorf("%w: only a pool can be transient, not the non-pooled group", ErrInvalidConfig)
	}
	return nil
}

// WithPrefetchDefault returns c with a zero Prefetch set to n; an n of 0
// changes nothing. It is the one way a default prefetch is applied, each
// layer filling only what the layer above it left zero, in this order:
// the caller's Prefetch; the default of the layer that builds the config
// (notify: twice the executor's workers, at least notify.MinDefaultPrefetch);
// the transport's own setting (RabbitMQ's rabbit_qos_prefetch_count);
// DefaultPrefetch (WithDefaults).
func (c ListenConfig) WithPrefetchDefault(n int) ListenConfig {
	if c.Prefetch == 0 {
		c.Prefetch = n
	}
	return c
}

// WithDefaults returns c with zero Prefetch and Lease replaced by the
// defaults and every target's empty exchange replaced by exchange.
func (c ListenConfig) WithDefaults(exchange string) ListenConfig {
	c = c.WithPrefetchDefault(DefaultPrefetch)
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	ts := make([]target.Target, len(c.Targets))
	for i, t := range c.Targets {
		ts[i] = t.WithDefaultExchange(exchange)
	}
	c.Targets = ts
	return c
}

// DeadLetterTarget returns where dead letters of messages from src go:
// src's exchange and c.DeadLetterTopic, or src's topic plus
// DeadLetterSuffix when that is empty.
func (c ListenConfig) DeadLetterTarget(src target.Target) target.Target {
	topic := c.DeadLetterTopic
	if topic == "" {
		topic = src.Topic + DeadLetterSuffix
	}
	return target.Target{Exchange: src.Exchange, Topic: topic}
}
