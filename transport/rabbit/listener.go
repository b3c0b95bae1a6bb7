package rabbit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// listener is a transport.Listener: one connection and one channel
// consuming every queue of its plan (oslo: one dedicated connection per
// listener), a local buffer of what the broker pushed, and the run loop
// that reconnects (reconnect.go).
//
// Prefetch: basic.qos bounds what the broker pushes (see session.qos);
// Next additionally hands out at most Prefetch unsettled deliveries.
type listener struct {
	tr    *Transport
	cfg   transport.ListenConfig
	plans []queuePlan
	log   *zap.Logger

	// stopCh is closed by Stop: intake is over; stopped is closed when
	// Stop has given everything back. closeCh is closed by Close: the
	// session goes. done is closed when the run loop exits.
	stopCh   chan struct{}
	stopDone chan struct{}
	closeCh  chan struct{}
	done     chan struct{}
	// unwatch stops the Listen context's watcher.
	unwatch func() bool
	// intake bounds reconnect dials; Stop cancels it.
	intake     context.Context
	stopIntake context.CancelFunc
	// probing holds a token while a Backlog call asks the broker, so
	// that calls take turns (backlog.go).
	probing chan struct{}

	mu sync.Mutex
	// buf holds deliveries received and not yet handed out, oldest first.
	buf []*delivery
	// out holds deliveries handed out by Next and not yet settled (nor
	// lost with their connection).
	out     map[*delivery]struct{}
	wake    chan struct{} // closed and replaced when Next may proceed
	waiters int           // Next calls waiting on wake
	stopped bool
	closed  bool
	sess    *session // nil while reconnecting
	down    error    // why there is no session
	// noGlobalQos is set once a queue refused a channel-wide prefetch
	// (quorum queues do): from then on each consumer gets its own.
	noGlobalQos bool
}

var _ transport.Listener = (*listener)(nil)

func newListener(t *Transport, cfg transport.ListenConfig) *listener {
	intake, stopIntake := context.WithCancel(context.Background())
	return &listener{
		intake: intake, stopIntake: stopIntake,
		tr: t, cfg: cfg, plans: planQueues(cfg),
		log:      t.log.With(zap.String("pool", cfg.Pool), zap.Stringers("targets", cfg.Targets)),
		stopCh:   make(chan struct{}),
		stopDone: make(chan struct{}),
		closeCh:  make(chan struct{}),
		done:     make(chan struct{}),
		out:      map[*delivery]struct{}{},
		wake:     make(chan struct{}),
		probing:  make(chan struct{}, 1),
	}
}

// start opens the first session and starts the run loop; intake ends when
// ctx is done.
func (l *listener) start(ctx context.Context) error {
	err := l.lookUp(ctx)
	var s *session
	if err == nil {
		s, err = l.connect(ctx)
	}
	if err != nil {
		l.mu.Lock()
		l.stopped, l.closed = true, true
		l.mu.Unlock()
		l.stopIntake()
		close(l.stopDone)
		close(l.done)
		return err
	}
	l.mu.Lock()
	l.sess = s
	l.mu.Unlock()
	l.unwatch = context.AfterFunc(ctx, func() { _ = l.Stop() })
	go l.run(s)
	return nil
}

// lookUp keeps, for a passive listener, the queues of its plan that
// exist, over a connection of its own that it closes. Other listeners
// declare what they consume at every connect instead.
func (l *listener) lookUp(ctx context.Context) error {
	if !l.cfg.Passive {
		return nil
	}
	conn, _, err := l.tr.dialer.dial(ctx, "look up")
	if err != nil {
		return err
	}
	defer func() { _ = conn.CloseDeadline(time.Now().Add(closeTimeout)) }()
	plans, err := existing(conn, l.plans)
	if err != nil {
		return err
	}
	l.plans = plans
	return nil
}

// consumes reports whether the listener consumes queue.
func (l *listener) consumes(queue string) bool {
	return slices.ContainsFunc(l.plans, func(p queuePlan) bool { return p.name == queue })
}

// errStopped is what Next returns once intake is over.
var errStopped = fmt.Errorf("rabbit: listener stopped: %w", transport.ErrClosed)

// Next hands out the oldest buffered delivery, waiting while there is none
// or while Prefetch deliveries are out and unsettled.
func (l *listener) Next(ctx context.Context) (transport.Delivery, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.stopped {
			l.mu.Unlock()
			return nil, errStopped
		}
		for len(l.out) < l.cfg.Prefetch && len(l.buf) > 0 {
			d := l.buf[0]
			l.buf[0] = nil
			l.buf = l.buf[1:]
			if d.sess.dead.Load() {
				continue // the broker redelivers it
			}
			l.out[d] = struct{}{}
			l.mu.Unlock()
			return d, nil
		}
		wake := l.wake
		l.waiters++
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
		}
		l.mu.Lock()
		l.waiters--
		l.mu.Unlock()
	}
}

// signal wakes waiting Next calls. l.mu must be held. Without waiters
// it costs nothing, which matters on the path of every delivery.
func (l *listener) signal() {
	if l.waiters > 0 {
		close(l.wake)
		l.wake = make(chan struct{})
	}
}

// enqueue buffers d for Next; once intake is over, d goes back to the
// broker instead.
func (l *listener) enqueue(d *delivery) {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		d.release()
		return
	}
	l.buf = append(l.buf, d)
	l.signal()
	l.mu.Unlock()
}

// settled forgets a handed-out delivery: it no longer counts against
// Prefetch. It reports whether d was still counted.
func (l *listener) settled(d *delivery) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.out[d]; !ok {
		return false
	}
	delete(l.out, d)
	l.signal()
	return true
}

// lost drops every delivery of s from the buffer and from the handed-out
// count: s's channel is gone, the broker redelivers them, and settling
// them fails with ErrLeaseExpired.
func (l *listener) lost(s *session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = slices.DeleteFunc(l.buf, func(d *delivery) bool { return d.sess == s })
	for d := range l.out {
		if d.sess == s {
			delete(l.out, d)
		}
	}
	l.signal()
}

// Stop ends intake: consumers are cancelled (basic.cancel), and what was
// buffered but not handed out goes back to the broker (basic.nack with
// requeue) for the other members of the group. The channel stays open so
// handed-out deliveries can still be settled, until Close.
func (l *listener) Stop() error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		<-l.stopDone // a concurrent Stop finishes first
		return nil
	}
	l.stopped = true
	close(l.stopCh)
	l.stopIntake()
	buf := l.buf
	l.buf = nil
	s := l.sess
	l.signal()
	l.mu.Unlock()
	defer close(l.stopDone)
	if s != nil {
		s.cancelConsumers(closeTimeout)
	}
	for _, d := range buf {
		d.release()
	}
	return nil
}

// Close stops intake and closes the connection; the broker requeues every
// unsettled delivery, and settling one afterwards fails with ErrClosed.
// Handed-out deliveries that came on a sibling's channel (see accept),
// which stays open, are given back on it.
func (l *listener) Close() error {
	_ = l.Stop()
	var foreign []*delivery
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.closeCh)
		for d := range l.out {
			if d.sess.l != l {
				foreign = append(foreign, d)
				delete(l.out, d)
			}
		}
	}
	l.mu.Unlock()
	for _, d := range foreign {
		d.giveBack()
	}
	<-l.done
	if l.unwatch != nil {
		l.unwatch()
	}
	l.tr.forget(l)
	return nil
}

func (l *listener) isStopped() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopped
}

func (l *listener) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// health is nil while the listener consumes (or has stopped on purpose).
func (l *listener) health() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sess != nil || l.stopped {
		return nil
	}
	return l.down
}
