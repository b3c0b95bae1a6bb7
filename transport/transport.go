package transport

import (
	"context"
	"time"

	"github.com/harkmq/hark/target"
)

// Transport is a connection to a broker (or the in-process memory broker).
// All methods are safe for concurrent use.
type Transport interface {
	// Send publishes msg to target t with priority p (an invalid target or
	// priority is an error wrapping target.ErrInvalidTarget or
	// ErrInvalidConfig): routing key
	// "<topic>.<priority>" on exchange t.Exchange (RabbitMQ), subject
	// "<exchange>.<topic>.<priority>" (NATS). An empty t.Exchange means the
	// transport's default exchange. Send returns once the broker has
	// accepted the message (publisher confirm, JetStream ack, flush) or with
	// an error the caller can act on; it never drops a message silently.
	Send(ctx context.Context, t target.Target, p Priority, msg Message) error

	// Listen subscribes to every "<topic>.<priority>" of cfg.Targets ×
	// cfg.Priorities, in cfg.Pool. The listener's intake lives until Stop,
	// Close, or until ctx is done, whichever comes first.
	Listen(ctx context.Context, cfg ListenConfig) (Listener, error)

	// Capabilities reports what this transport can do, so callers can
	// refuse impossible combinations (e.g. requeue on NATS core) up front.
	Capabilities() Capabilities

	// DefaultExchange is the exchange used for targets without one.
	DefaultExchange() string

	// Close releases the connection. It is idempotent; listeners still
	// open are closed (their unsettled deliveries go back to the broker).
	Close() error
}

// Listener hands out the deliveries of one subscription. At most
// ListenConfig.Prefetch deliveries are held unsettled by a listener at a
// time (buffered plus handed out; a delivery whose lease expired no longer
// counts); Next blocks while that many are outstanding. Next may be called from one goroutine at a time; Stop and
// Close from any.
type Listener interface {
	// Next returns the next delivery. It blocks until one is available,
	// until ctx is done (returning ctx.Err()), or until the listener is
	// stopped, closed, or its Listen context is done (returning an error
	// that wraps ErrClosed).
	Next(ctx context.Context) (Delivery, error)

	// Stop ends intake: Next returns ErrClosed from now on, and deliveries
	// buffered but not yet handed out by Next go back to the broker for
	// other members. Deliveries already handed out can still be settled.
	// Idempotent.
	Stop() error

	// Close stops intake (as Stop) and releases the subscription.
	// Deliveries still unsettled go back to the broker, which redelivers
	// them (the release counts as a delivery, as a broker cannot tell it
	// from a crash); settling them afterwards fails with ErrClosed.
	// Idempotent.
	Close() error
}

// Delivery is one delivery of a message to a listener. Exactly one of Ack,
// Requeue and DeadLetter settles it; a second settle returns an error
// wrapping ErrAlreadySettled and has no effect (never a double ack). A
// settle after the lease expired returns an error wrapping ErrLeaseExpired
// and has no effect: the broker has already given the message to someone
// else. All methods are safe for concurrent use.
type Delivery interface {
	// Message returns the message exactly as received. Its Body and
	// Header belong to this delivery (no other delivery shares them) and
	// are what a dead-letter record is written from: read them, and copy
	// before changing anything.
	Message() Message

	// Source says which target, routing priority and pool this delivery
	// came through.
	Source() Source

	// Deliveries counts deliveries of this message to this listener's
	// group, including this one: 1 on the first delivery. It rises on every
	// redelivery, whatever caused it (requeue, lease expiry, reconnect).
	Deliveries() int

	// Ack settles the delivery as handled: it is never redelivered.
	Ack(ctx context.Context) error

	// Requeue gives the message back for redelivery after delay (0, or a
	// negative delay, means at once). Drivers without
	// Capabilities.DelayedRequeue return an error wrapping ErrNotSupported
	// for a positive delay. When ListenConfig.MaxDeliveries deliveries have
	// been made, the driver dead-letters the message instead, with reason
	// ReasonMaxDeliveries.
	Requeue(ctx context.Context, delay time.Duration) error

	// DeadLetter settles the delivery by writing a dead-letter record (the
	// original body and headers byte for byte plus info; see DeadLetter) to
	// the listener's dead-letter destination, then removing the message.
	DeadLetter(ctx context.Context, info DeadLetterInfo) error

	// Extend renews the lease (IronMQ touch, Zaqar claim update, JetStream
	// InProgress) so the message is not redelivered while a long handler
	// runs. Returns ErrNotSupported when Capabilities.Lease is false,
	// ErrAlreadySettled after a settle, and ErrLeaseExpired if the lease had
	// already run out.
	Extend(ctx context.Context) error
}
