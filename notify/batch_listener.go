package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// BatchListener receives notifications in batches (oslo's
// get_batch_notification_listener): up to size notifications, or fewer when
// timeout has passed since the FIRST notification of the batch arrived.
// oslo measures batch_timeout from the start of each poll instead, so an
// idle oslo listener can flush a batch of one right after a long quiet
// spell; hark's batch always gets the full timeout to fill. A timeout of 0
// flushes only full batches (and the partial batch at Stop), as oslo does
// with batch_timeout=None.
//
// Each batch is grouped by priority (alphabetical order, arrival order
// within a group) and dispatched to the batch endpoints; a REQUEUE marks
// that priority's whole group. The lifecycle is the same as Listener's.
type BatchListener struct {
	lc      *lifecycle
	h       *handler
	disp    *dispatcher.BatchDispatcher
	size    int
	timeout time.Duration
}

// NewBatchListener returns a batch listener; endpoints implement the batch
// forms (Info(ctx, []*Notification) Result, ...). size must be at least 1
// and no larger than the prefetch (default: the larger of 2 × size and
// 2 × the executor's workers).
func NewBatchListener(tr transport.Transport, targets []target.Target, endpoints []any, size int, timeout time.Duration, opts ...ListenerOption) (*BatchListener, error) {
	if err := validateTargets(tr, targets); err != nil {
		return nil, err
	}
	if size < 1 {
		return nil, fmt.Errorf("%w: batch size %d must be at least 1", ErrInvalidOption, size)
	}
	if timeout < 0 {
		return nil, fmt.Errorf("%w: batch timeout %s is negative", ErrInvalidOption, timeout)
	}
	o, err := buildListenerOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(endpoints) == 0 {
		return nil, ErrNoEndpoints
	}
	disp, err := dispatcher.NewBatch(endpoints, dispatcherOptions(o)...)
	if err != nil {
		return nil, err
	}
	s, err := newSetup(tr, targets, len(endpoints), o, disp.Priorities(), max(2*size, defaultPrefetch(o.executor.Workers())))
	if err != nil {
		return nil, err
	}
	if size > s.cfg.Prefetch {
		return nil, fmt.Errorf("%w: batch size %d exceeds the prefetch %d; a batch could never fill", ErrInvalidOption, size, s.cfg.Prefetch)
	}
	l := &BatchListener{h: s.handler, disp: disp, size: size, timeout: timeout}
	l.lc = &lifecycle{tr: tr, cfg: s.cfg, exec: o.executor, log: o.logger, intake: l.intake}
	return l, nil
}

// Start subscribes and begins dispatching; see Listener.Start.
func (l *BatchListener) Start(ctx context.Context) error { return l.lc.start(ctx) }

// Stop ends intake; a partially filled batch is still dispatched. See
// Listener.Stop.
func (l *BatchListener) Stop() { l.lc.stop() }

// Wait lets in-flight batches finish and releases the subscription; see
// Listener.Wait.
func (l *BatchListener) Wait(ctx context.Context) error { return l.lc.wait(ctx) }

// Priorities lists the priorities the listener subscribes to.
func (l *BatchListener) Priorities() []transport.Priority { return l.disp.Priorities() }

func (l *BatchListener) intake(r *run) {
	for {
		first, err := r.tl.Next(r.intakeCtx)
		if err != nil {
			return
		}
		batch, more := l.fill(r, first)
		if !r.submit(func(ctx context.Context) { l.handle(ctx, batch) }) || !more {
			return
		}
	}
}

// fill collects up to size deliveries, waiting at most timeout after first.
// more is false when intake ended while filling.
func (l *BatchListener) fill(r *run, first transport.Delivery) (batch []transport.Delivery, more bool) {
	batch = append(make([]transport.Delivery, 0, l.size), first)
	ctx, cancel := r.intakeCtx, context.CancelFunc(func() {})
	if l.timeout > 0 {
		ctx, cancel = context.WithTimeout(r.intakeCtx, l.timeout)
	}
	defer cancel()
	for len(batch) < l.size {
		d, err := r.tl.Next(ctx)
		if err != nil {
			return batch, errors.Is(err, context.DeadlineExceeded) && r.intakeCtx.Err() == nil
		}
		batch = append(batch, d)
	}
	return batch, true
}

func (l *BatchListener) handle(ctx context.Context, ds []transport.Delivery) {
	ins := make([]inbound, 0, len(ds))
	for _, d := range ds {
		if in, ok := l.h.prepare(ctx, d); ok {
			ins = append(ins, in)
		}
	}
	if len(ins) == 0 {
		return
	}
	ns := make([]*dispatcher.Notification, len(ins))
	live := make([]transport.Delivery, len(ins))
	for i, in := range ins {
		ns[i], live[i] = in.n, in.d
	}
	k := l.h.keepAlive(ctx, live...)
	outs := l.disp.Dispatch(ctx, ns)
	k.stop()
	for i, in := range ins {
		l.h.finish(ctx, in, outs[i])
	}
}
