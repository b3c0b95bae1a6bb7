package notify

import (
	"context"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// Listener receives notifications from a transport and dispatches each to
// its endpoints (oslo's get_notification_listener).
//
// The lifecycle is Start, Stop, Wait, as in oslo, but no call order hangs:
// Stop before Start does nothing, Wait before Start returns at once, Wait
// before Stop waits for Stop or its context, and after Wait the same
// Listener can be started again. All methods are safe for concurrent use,
// and Stop may be called from inside a handler.
type Listener struct {
	lc   *lifecycle
	h    *handler
	disp *dispatcher.Dispatcher
}

// NewListener returns a listener for targets dispatching to endpoints, in
// order. Each endpoint implements one or more per-priority interfaces
// (Info(ctx, *Notification) Result, ...); the listener subscribes to the
// priorities they implement. Targets need a topic (the error wraps
// target.ErrInvalidTarget); options the transport cannot honour (a pool,
// requeue, delayed requeue) are refused with an error wrapping
// ErrUnsupported.
func NewListener(tr transport.Transport, targets []target.Target, endpoints []any, opts ...ListenerOption) (*Listener, error) {
	if err := validateTargets(tr, targets); err != nil {
		return nil, err
	}
	o, err := buildListenerOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(endpoints) == 0 {
		return nil, ErrNoEndpoints
	}
	disp, err := dispatcher.New(endpoints, dispatcherOptions(o)...)
	if err != nil {
		return nil, err
	}
	s, err := newSetup(tr, targets, len(endpoints), o, disp.Priorities(), defaultPrefetch(o.executor.Workers()))
	if err != nil {
		return nil, err
	}
	l := &Listener{h: s.handler, disp: disp}
	l.lc = &lifecycle{tr: tr, cfg: s.cfg, exec: o.executor, log: o.logger, intake: l.intake}
	return l, nil
}

// Start subscribes and begins dispatching. ctx bounds the listener's
// intake: when it is done the listener stops as if Stop were called (call
// Wait to finish). A redundant Start while running logs a warning and
// returns nil; a Start after Stop but before Wait first finishes the
// previous run.
func (l *Listener) Start(ctx context.Context) error { return l.lc.start(ctx) }

// Stop ends intake: once it returns no further notifications are taken
// from the transport. Handlers already running carry on; Wait lets them
// finish. It does not block and may be called at any time.
func (l *Listener) Stop() { l.lc.stop() }

// Wait blocks until the listener is stopped, lets in-flight handlers finish
// and settle their notifications, and releases the subscription. If ctx
// runs out first, handlers' contexts are cancelled, unsettled
// notifications go back to the broker (it redelivers them; nothing is
// lost), and the error wraps ctx.Err().
func (l *Listener) Wait(ctx context.Context) error { return l.lc.wait(ctx) }

// Priorities lists the priorities the listener subscribes to.
func (l *Listener) Priorities() []transport.Priority { return l.disp.Priorities() }

// intake feeds the run's executor. An executor whose workers can take
// their tasks themselves (executor.Puller: the built-in ones) gets them
// straight from the transport listener, with no goroutine in between;
// any other is submitted to.
func (l *Listener) intake(r *run) {
	if p, ok := r.exec.(executor.Puller); ok {
		p.Run(func(ctx context.Context) bool {
			d, err := r.tl.Next(r.intakeCtx)
			if err != nil {
				return false
			}
			l.handle(ctx, d)
			return true
		})
		return
	}
	for {
		d, err := r.tl.Next(r.intakeCtx)
		if err != nil {
			return
		}
		if !r.submit(func(ctx context.Context) { l.handle(ctx, d) }) {
			return
		}
	}
}

func (l *Listener) handle(ctx context.Context, d transport.Delivery) {
	in, ok := l.h.prepare(ctx, d)
	if !ok {
		return
	}
	k := l.h.keepAlive(ctx, d)
	out := l.disp.Dispatch(ctx, in.n)
	k.stop()
	l.h.finish(ctx, in, out)
}
