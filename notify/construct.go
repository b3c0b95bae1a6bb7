package notify

import (
	"errors"
	"fmt"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// setup is what both listener constructors validate and derive.
type setup struct {
	opts    listenerOptions
	cfg     transport.ListenConfig
	handler *handler
}

// newSetup validates the transport, targets and options and builds the
// transport listen config for the given priorities. defaultPrefetch is
// used when no prefetch option was given.
func newSetup(tr transport.Transport, targets []target.Target, nEndpoints int, opts listenerOptions, priorities []transport.Priority, defaultPrefetch int) (*setup, error) {
	caps := tr.Capabilities()
	if err := checkCapabilities(caps, opts); err != nil {
		return nil, err
	}
	if nEndpoints == 0 {
		return nil, fmt.Errorf("%w: give at least one endpoint", ErrNoEndpoints)
	}
	cfg := transport.ListenConfig{
		Targets:         append([]target.Target(nil), targets...),
		Priorities:      priorities,
		Pool:            opts.pool,
		Prefetch:        opts.prefetch,
		Lease:           opts.lease,
		MaxDeliveries:   opts.requeue.maxDeliveries(),
		DeadLetterTopic: opts.deadLetterTopic,
		Start:           opts.start,
	}.WithPrefetchDefault(defaultPrefetch)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lease := cfg.Lease
	if lease == 0 {
		lease = transport.DefaultLease
	}
	dedupWindow := opts.dedupWindow
	if dedupWindow == 0 {
		dedupWindow = DefaultDedupWindow(lease)
	}
	budget := opts.budget
	if budget == nil {
		var err error
		if budget, err = oslo.NewDecompressionBudget(oslo.DefaultDecompressionBudget); err != nil {
			return nil, err
		}
	}
	h := &handler{
		log:           opts.logger,
		caps:          caps,
		requeue:       opts.requeue,
		maxDeliveries: cfg.MaxDeliveries,
		lease:         lease,
		autoExtend:    opts.autoExtend,
		settleCtx:     newSettleContexts(opts.settleTimeout),
		keepers:       newKeepers(lease, opts.logger),
		dedup:         newDedup(opts.dedupSize, dedupWindow),
		observer:      opts.observer,
		pool:          opts.pool,
		deadLetterTo:  cfg.DeadLetterTarget,
		budget:        budget,
	}
	return &setup{opts: opts, cfg: cfg, handler: h}, nil
}

// validateTargets checks the targets before anything else, so a missing
// topic is reported as such (oslo: InvalidTarget).
func validateTargets(tr transport.Transport, targets []target.Target) error {
	if tr == nil {
		return fmt.Errorf("%w: nil transport", ErrInvalidOption)
	}
	if len(targets) == 0 {
		return fmt.Errorf("%w: a listener needs at least one target", target.ErrInvalidTarget)
	}
	for i, t := range targets {
		if err := t.ValidateListen(); err != nil {
			return fmt.Errorf("targets[%d]: %w", i, err)
		}
	}
	return nil
}

// checkCapabilities refuses options the transport cannot honour, with an
// error that says what to change.
func checkCapabilities(caps transport.Capabilities, o listenerOptions) error {
	var errs []error
	if o.pool != "" {
		if err := caps.Require(transport.Capabilities{Pools: true}); err != nil {
			errs = append(errs, fmt.Errorf("pool %q: %w", o.pool, err))
		}
	}
	if o.requeue.Allow {
		if err := caps.Require(transport.Capabilities{Requeue: true}); err != nil {
			errs = append(errs, fmt.Errorf("requeue allowed, but %w (this transport delivers at most once: turn requeue off or use a transport that redelivers, e.g. NATS JetStream)", err))
		} else if o.requeue.delayed() {
			if err := caps.Require(transport.Capabilities{DelayedRequeue: true}); err != nil {
				errs = append(errs, fmt.Errorf("requeue backoff %v: %w (set an empty backoff for immediate requeue)", o.requeue.Backoff, err))
			}
		}
	}
	if o.start.NeedsRetention() {
		if err := caps.Require(transport.Capabilities{StartPosition: true}); err != nil {
			errs = append(errs, fmt.Errorf("start position %q: %w (a new group on this transport starts with new notifications)", o.start, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrUnsupported, errors.Join(errs...))
	}
	return nil
}

// dispatcherOptions puts the listener's logger before the caller's options.
func dispatcherOptions(o listenerOptions) []dispatcher.Option {
	return append([]dispatcher.Option{dispatcher.WithLogger(o.logger)}, o.dispatcherOpts...)
}
