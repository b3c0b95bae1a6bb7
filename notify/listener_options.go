package notify

import (
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// DefaultWorkers is the executor size when no executor is given: oslo's
// executor_thread_pool_size.
const DefaultWorkers = 64

// MinDefaultPrefetch is the least prefetch a listener gets by default,
// whatever its workers: enough for a broker's batches to keep a handful of
// workers, or a single one, busy (a pull or a prefetch window of a few
// messages would leave them waiting for a round trip after each few).
const MinDefaultPrefetch = 256

// defaultPrefetch is the prefetch of a listener with workers workers
// whose options set none: twice the workers, and at least
// MinDefaultPrefetch.
func defaultPrefetch(workers int) int { return max(2*workers, MinDefaultPrefetch) }

// DefaultSettleTimeout bounds one acknowledgement, requeue or dead-letter
// call, so a broker that stopped answering cannot pin a worker forever.
const DefaultSettleTimeout = 30 * time.Second

// ListenerOption configures a Listener or BatchListener.
type ListenerOption func(*listenerOptions) error

type listenerOptions struct {
	pool            string
	executor        executor.Factory
	requeue         RequeuePolicy
	deadLetterTopic string
	prefetch        int
	lease           time.Duration
	logger          *zap.Logger
	dedupSize       int
	dedupWindow     time.Duration
	autoExtend      bool
	settleTimeout   time.Duration
	dispatcherOpts  []dispatcher.Option
	observer        func(Event)
	start           transport.StartPosition
	budget          *oslo.DecompressionBudget
}

func defaultListenerOptions() listenerOptions {
	return listenerOptions{
		executor:      executor.Pooled(DefaultWorkers),
		logger:        zap.NewNop(),
		dedupSize:     DefaultDedupSize,
		autoExtend:    true,
		settleTimeout: DefaultSettleTimeout,
	}
}

func buildListenerOptions(opts []ListenerOption) (listenerOptions, error) {
	o := defaultListenerOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return listenerOptions{}, err
		}
	}
	return o, nil
}

// WithPool puts the listener in a pool: listeners in one pool share the
// notifications; every pool, and the non-pooled group, gets its own copy.
// Defaults to "" (the non-pooled group).
func WithPool(name string) ListenerOption {
	return func(o *listenerOptions) error {
		if name != "" {
			if err := target.CheckName("pool", name, false); err != nil {
				return err
			}
		}
		o.pool = name
		return nil
	}
}

// WithExecutor sets how handlers run. Defaults to
// executor.Pooled(DefaultWorkers). Use executor.Blocking() for one handler
// at a time in arrival order.
func WithExecutor(f executor.Factory) ListenerOption {
	return func(o *listenerOptions) error {
		if f == nil {
			return fmt.Errorf("%w: nil executor", ErrInvalidOption)
		}
		o.executor = f
		return nil
	}
}

// WithRequeue sets the requeue policy. Defaults to RequeuePolicy{} (requeue not
// allowed, as oslo's allow_requeue=False; deliveries capped at
// DefaultMaxDeliveries).
func WithRequeue(r RequeuePolicy) ListenerOption {
	return func(o *listenerOptions) error {
		if err := r.Validate(); err != nil {
			return err
		}
		o.requeue = r
		return nil
	}
}

// WithDeadLetterTopic sets the topic dead-letter records go to, on the
// exchange of the notification's source. Defaults to "" meaning
// "<source topic>.dlq".
func WithDeadLetterTopic(topic string) ListenerOption {
	return func(o *listenerOptions) error {
		if topic != "" {
			if err := target.CheckName("dead-letter topic", topic, true); err != nil {
				return err
			}
		}
		o.deadLetterTopic = topic
		return nil
	}
}

// WithPrefetch bounds the notifications the listener holds unsettled
// (queued, running and awaiting settlement). Defaults to 2 × the
// executor's workers (for a batch listener, 2 × the batch size if that is
// larger), and at least MinDefaultPrefetch; never "the whole backlog".
// Notifications held but not yet running keep their lease (the transport
// renews it), so a large prefetch does not make them redeliver while the
// workers are busy; it does keep them from other members of the pool.
func WithPrefetch(n int) ListenerOption {
	return func(o *listenerOptions) error {
		if n < 0 {
			return fmt.Errorf("%w: prefetch %d is negative", ErrInvalidOption, n)
		}
		o.prefetch = n
		return nil
	}
}

// WithLease sets how long a delivery may stay unsettled before the broker
// redelivers it. Defaults to the transport's default (30s). While a handler
// runs, the listener extends the lease every half lease (see
// WithAutoExtend).
func WithLease(d time.Duration) ListenerOption {
	return func(o *listenerOptions) error {
		if d < 0 {
			return fmt.Errorf("%w: lease %s is negative", ErrInvalidOption, d)
		}
		o.lease = d
		return nil
	}
}

// WithAutoExtend turns automatic lease extension on or off. When on (the
// default), a running handler's deliveries have their lease extended every
// half lease, on transports with leases.
func WithAutoExtend(on bool) ListenerOption {
	return func(o *listenerOptions) error {
		o.autoExtend = on
		return nil
	}
}

// WithDedup sets the most notification ids the listener remembers to
// recognise a redelivery of a notification it already acknowledged
// (handled, or dropped because requeue is not allowed), which it then
// acknowledges without dispatching it (and reports as EventDuplicate).
// An id is remembered when the listener acknowledges its notification,
// whether or not the acknowledgement reaches the broker (as oslo does):
// a lost acknowledgement is what makes the broker redeliver. A
// notification requeued, dead-lettered or left unsettled by a forced
// shutdown is not remembered, so its redelivery is dispatched again. The
// key is the oslo "_unique_id", else "message_id"; a notification with
// neither is never suppressed.
//
// Ids are kept for the dedup window (WithDedupWindow) and at most size of
// them; when size is reached the oldest go first, so a listener receiving
// more than size ÷ window notifications a second covers less than the
// window. Memory follows the ids remembered, 60 to 80 bytes each, up to
// size. Defaults to DefaultDedupSize (100,000: about 1,600 notifications a
// second over the default 60s window, about 6 MiB when full); raise it
// for a busier listener (e.g. 3,000,000 ids, about 200 MiB, cover 60s at
// 50,000 a second). 0 turns duplicate suppression off.
func WithDedup(size int) ListenerOption {
	return func(o *listenerOptions) error {
		if size < 0 {
			return fmt.Errorf("%w: dedup size %d is negative", ErrInvalidOption, size)
		}
		o.dedupSize = size
		return nil
	}
}

// WithDedupWindow sets how long the listener remembers an acknowledged
// notification's id (see WithDedup). It should exceed the time a broker
// may take to redeliver a notification whose acknowledgement was lost:
// the lease plus the time a redelivery waits in the prefetch on NATS
// JetStream, the outage until the listener reconnects on RabbitMQ.
// Defaults to 0, meaning DefaultDedupWindow of the listener's lease
// (60s with the default 30s lease), so the window follows WithLease.
func WithDedupWindow(d time.Duration) ListenerOption {
	return func(o *listenerOptions) error {
		if d < 0 {
			return fmt.Errorf("%w: dedup window %s is negative", ErrInvalidOption, d)
		}
		o.dedupWindow = d
		return nil
	}
}

// WithLogger sets the logger. Defaults to a no-op logger.
func WithLogger(l *zap.Logger) ListenerOption {
	return func(o *listenerOptions) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidOption)
		}
		o.logger = l
		return nil
	}
}

// WithDispatcherOptions passes options to the listener's dispatcher (e.g.
// dispatcher.WithObserver for metrics). The listener's logger is passed
// first, so a dispatcher.WithLogger here overrides it. Defaults to none.
func WithDispatcherOptions(opts ...dispatcher.Option) ListenerOption {
	return func(o *listenerOptions) error {
		o.dispatcherOpts = append(o.dispatcherOpts, opts...)
		return nil
	}
}

// WithSettleTimeout bounds each acknowledgement, requeue or dead-letter
// call. Defaults to DefaultSettleTimeout.
func WithSettleTimeout(d time.Duration) ListenerOption {
	return func(o *listenerOptions) error {
		if d <= 0 {
			return fmt.Errorf("%w: settle timeout %s must be positive", ErrInvalidOption, d)
		}
		o.settleTimeout = d
		return nil
	}
}

// WithStart sets where the listener's group starts reading when it does
// not exist yet on the broker: transport.StartNewPosition (new
// notifications), transport.StartAllPosition (everything the broker
// retains) or transport.StartAt(t). It never moves a group that already
// has a position. Defaults to the transport's default: the non-pooled
// group gets what was sent before it first listened, a new pool starts
// with new notifications. Positions that read what the broker retained
// need a transport with the StartPosition capability (NATS JetStream).
func WithStart(p transport.StartPosition) ListenerOption {
	return func(o *listenerOptions) error {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOption, err)
		}
		o.start = p
		return nil
	}
}

// WithDecompressionBudget makes the listener take the memory it uses to
// decompress bodies from b, which other listeners may share: however many
// compressed notifications arrive at once (compression bombs included),
// their decompression holds at most b's size, and a notification that
// finds it spent waits for room (until the shutdown deadline) rather than
// being dropped. Each body is also limited to
// oslo.MaxDecompressedSize; a larger one is dead-lettered. Default: a
// budget of oslo.DefaultDecompressionBudget of the listener's own.
func WithDecompressionBudget(b *oslo.DecompressionBudget) ListenerOption {
	return func(o *listenerOptions) error {
		if b == nil {
			return fmt.Errorf("%w: nil decompression budget", ErrInvalidOption)
		}
		o.budget = b
		return nil
	}
}
