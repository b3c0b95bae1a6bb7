package memory

import (
	"cmp"
	"container/list"
	"context"
	"fmt"
	"slices"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// listener is a transport.Listener on the broker's queues. The fields after
// the immutable ones are guarded by the broker's mutex.
type listener struct {
	b   *Broker
	t   *memTransport
	cfg transport.ListenConfig // with defaults applied
	// queues are the non-pooled queues of the listener's keys, or its one
	// pool queue.
	queues []*queue
	// turn serialises Next calls, so a second concurrent caller waits its
	// turn (honouring its ctx) instead of corrupting the handoff.
	turn chan struct{}
	// wake is signalled (never blocking) when handoff is set.
	wake driverkit.Wake
	// done is closed when intake ends (Stop, Close, Listen ctx done).
	done chan struct{}

	stopCtx     func() bool
	stopped     bool
	closed      bool
	waiting     bool // a Next call is blocked
	registered  bool // in the waiters of every queue in queues
	waitElems   []*list.Element
	handoff     *delivery // given by dispatch to the blocked Next
	nextQueue   int
	outstanding map[*delivery]struct{} // handed out, unsettled
}

var _ transport.Listener = (*listener)(nil)

func newListener(t *memTransport, cfg transport.ListenConfig, qs []*queue) *listener {
	return &listener{
		b:           t.b,
		t:           t,
		cfg:         cfg,
		queues:      qs,
		turn:        make(chan struct{}, 1),
		wake:        driverkit.NewWake(),
		done:        make(chan struct{}),
		waitElems:   make([]*list.Element, len(qs)),
		outstanding: map[*delivery]struct{}{},
	}
}

func (l *listener) signal() { l.wake.Signal() }

func (l *listener) closedErr() error {
	return fmt.Errorf("memory: listener stopped: %w", transport.ErrClosed)
}

// Next returns the next ready message of the listener's queues. It blocks
// while none is ready or while Prefetch deliveries are outstanding. A
// delivery handed to it as ctx ends is returned rather than lost.
func (l *listener) Next(ctx context.Context) (transport.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		return nil, l.closedErr()
	}
	defer func() { <-l.turn }()

	b := l.b
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if l.stopped {
			return nil, l.closedErr()
		}
		l.waiting = true
		b.serve(l)
		if d := l.collect(); d != nil {
			return d, nil
		}
		b.mu.Unlock()
		select {
		case <-l.wake:
		case <-ctx.Done():
		case <-l.done:
		}
		b.mu.Lock()
		b.unregister(l)
		if d := l.collect(); d != nil {
			return d, nil
		}
		l.waiting = false
		if l.stopped {
			return nil, l.closedErr()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// collect takes the handed-off delivery, if any, and ends the wait.
func (l *listener) collect() *delivery {
	d := l.handoff
	if d == nil {
		return nil
	}
	l.handoff = nil
	l.waiting = false
	l.wake.Clear()
	return d
}

// Stop ends intake. Deliveries already handed out can still be settled; a
// message being handed to a blocked Next goes back to its queue instead.
func (l *listener) Stop() error {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	l.b.stopListenerLocked(l)
	return nil
}

// Close stops intake and gives every unsettled delivery back to its queue,
// at the head, in the order they were handed out; settling one afterwards
// fails with ErrClosed.
func (l *listener) Close() error {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	l.b.closeListenerLocked(l)
	return nil
}

func (b *Broker) stopListenerLocked(l *listener) {
	if l.stopped {
		return
	}
	l.stopped = true
	b.unregister(l)
	if d := l.handoff; d != nil {
		// Handed to a Next that has not returned yet: the application never
		// saw it, so it goes back uncounted, like a message a network
		// driver had buffered.
		l.handoff = nil
		d.finish(driverkit.Released)
		d.e.deliveries--
		b.giveBack(d.q, d.e)
	}
	close(l.done)
	if l.stopCtx != nil {
		l.stopCtx()
	}
}

func (b *Broker) closeListenerLocked(l *listener) {
	b.stopListenerLocked(l)
	if l.closed {
		return
	}
	l.closed = true
	ds := make([]*delivery, 0, len(l.outstanding))
	for d := range l.outstanding {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b *delivery) int { return cmp.Compare(a.seq, b.seq) })
	// Push to the head in reverse, so the first handed out ends up first.
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		d.finish(driverkit.Released)
		d.q.ready.PushFront(d.e)
	}
	for _, d := range ds {
		b.dispatch(d.q)
	}
	delete(l.t.listeners, l)
	b.leavePool(l)
}
