package memory

import (
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// Broker is an in-process message broker. Transports made by
// Broker.Transport share its queues. All methods are safe for concurrent
// use.
//
// One mutex guards the whole broker: every operation is a few pointer moves
// (handing out a message is O(1)), so contention stays low and the
// invariants (an entry in one place at a time, a message never held by two
// deliveries) are easy to keep.
type Broker struct {
	log    *zap.Logger
	maxLen int

	mu         sync.Mutex
	closed     bool
	nonPooled  map[key]*queue
	pools      map[string]*queue
	bindings   map[key][]*queue // pool queues bound to a key
	transports map[*memTransport]struct{}
	// delayed holds entries waiting for a delayed requeue, with their
	// timers, so Close can stop them. A delayed entry costs a timer, not a
	// goroutine.
	delayed map[*entry]*time.Timer
	// seq numbers handouts, so a closing listener gives its deliveries back
	// in the order it received them.
	seq uint64
}

// NewBroker returns an empty, running broker.
func NewBroker(opts ...Option) *Broker {
	c := brokerConfig{logger: zap.NewNop()}
	for _, o := range opts {
		o(&c)
	}
	return &Broker{
		log:        c.logger,
		maxLen:     c.maxQueueLength,
		nonPooled:  map[key]*queue{},
		pools:      map[string]*queue{},
		bindings:   map[key][]*queue{},
		transports: map[*memTransport]struct{}{},
		delayed:    map[*entry]*time.Timer{},
	}
}

// Transport returns a new transport on b. opts are the transport package's
// options: WithLogger (default: the broker's logger) and
// WithDefaultExchange (default "openstack"). Closing the transport closes
// its listeners but not the broker. The error wraps transport.ErrClosed
// when b is closed, or comes from an invalid option.
func (b *Broker) Transport(opts ...transport.Option) (transport.Transport, error) {
	o := transport.Options{Logger: b.log, DefaultExchange: target.DefaultExchange}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("memory: %w", err)
		}
	}
	return b.newTransport(o, nil)
}

// newTransport makes a transport; onClose, if not nil, runs once when the
// transport is closed by its own Close (the driver's reference count).
func (b *Broker) newTransport(o transport.Options, onClose func()) (*memTransport, error) {
	if o.Logger == nil {
		o.Logger = b.log
	}
	if o.DefaultExchange == "" {
		o.DefaultExchange = target.DefaultExchange
	}
	t := &memTransport{
		b:         b,
		log:       o.Logger,
		exchange:  o.DefaultExchange,
		listeners: map[*listener]struct{}{},
		onClose:   onClose,
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, fmt.Errorf("memory: %w: broker closed", transport.ErrClosed)
	}
	b.transports[t] = struct{}{}
	return t, nil
}

// Close closes every transport of b (and so every listener: unsettled
// deliveries are released and settling them fails with ErrClosed), stops
// pending delayed requeues, and drops every message. Idempotent; always
// returns nil.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	for t := range b.transports {
		b.closeTransportLocked(t)
	}
	for e, tm := range b.delayed {
		tm.Stop()
		delete(b.delayed, e)
	}
	for _, q := range b.nonPooled {
		q.ready.Clear()
	}
	for _, q := range b.pools {
		q.ready.Clear()
	}
	clear(b.nonPooled)
	clear(b.pools)
	clear(b.bindings)
	return nil
}

// nonPooledQueue returns the non-pooled queue of k, creating it.
func (b *Broker) nonPooledQueue(k key) *queue {
	q := b.nonPooled[k]
	if q == nil {
		q = newNonPooledQueue(k)
		b.nonPooled[k] = q
	}
	return q
}

// existingQueues returns the queues of cfg's group on keys that exist,
// making and binding nothing (transport.ListenConfig.Passive). An exchange
// exists once something was sent to it or a group listened on it. b.mu
// must be held.
func (b *Broker) existingQueues(cfg transport.ListenConfig, keys []key) ([]*queue, error) {
	for _, tg := range cfg.Targets {
		if !b.hasExchange(tg.Exchange) {
			return nil, fmt.Errorf("%w: exchange %q", transport.ErrExchangeNotFound, tg.Exchange)
		}
	}
	var qs []*queue
	if cfg.Pool != "" {
		if q := b.pools[cfg.Pool]; q != nil {
			b.joinPool(q, false) // leavePool counts it out at Close
			qs = append(qs, q)
		}
	} else {
		for _, k := range keys {
			if q := b.nonPooled[k]; q != nil {
				qs = append(qs, q)
			}
		}
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("%w: no queue of %s exists for %v", transport.ErrNotFound, groupName(cfg.Pool), cfg.Targets)
	}
	return qs, nil
}

// hasExchange reports whether any queue is keyed on, or bound to,
// exchange. b.mu must be held.
func (b *Broker) hasExchange(exchange string) bool {
	for k := range b.nonPooled {
		if k.exchange == exchange {
			return true
		}
	}
	for k := range b.bindings {
		if k.exchange == exchange {
			return true
		}
	}
	return false
}

// groupName names a group in messages.
func groupName(pool string) string {
	if pool == "" {
		return "the non-pooled group"
	}
	return "pool " + pool
}

// poolQueue returns pool's queue, creating it, and binds it to keys.
func (b *Broker) poolQueue(pool string, keys []key) *queue {
	q := b.pools[pool]
	if q == nil {
		q = newPoolQueue(pool)
		b.pools[pool] = q
	}
	for _, k := range keys {
		if _, ok := q.bound[k]; !ok {
			q.bound[k] = struct{}{}
			b.bindings[k] = append(b.bindings[k], q)
		}
	}
	return q
}

// sendLocked routes m to the non-pooled queue of k (declaring it, as oslo's
// publisher does) and to every pool queue bound to k. m must not be
// modified afterwards: the queues share it.
func (b *Broker) sendLocked(k key, m *transport.Message) {
	b.enqueue(b.nonPooledQueue(k), &entry{msg: m, key: k})
	for _, q := range b.bindings[k] {
		b.enqueue(q, &entry{msg: m, key: k})
	}
}

// enqueue makes e ready at the tail of q, dropping the oldest ready entry
// if q is over the length limit.
func (b *Broker) enqueue(q *queue, e *entry) {
	q.ready.PushBack(e)
	if b.maxLen > 0 && q.ready.Len() > b.maxLen {
		old, _ := q.ready.PopFront()
		b.log.Warn("memory: queue full, dropped its oldest message",
			zap.String("queue", q.name), zap.Int("max_length", b.maxLen),
			zap.String("message_id", old.msg.ID), zap.Int("deliveries", old.deliveries))
	}
	b.dispatch(q)
}

// giveBack makes e ready at the head of q: a message given back goes back
// in place, ahead of newer ones.
func (b *Broker) giveBack(q *queue, e *entry) {
	q.ready.PushFront(e)
	b.dispatch(q)
}

// requeueAfter makes e ready at the tail of q once delay has passed.
// A queue removed meanwhile (a transient pool's) drops it.
func (b *Broker) requeueAfter(q *queue, e *entry, delay time.Duration) {
	q.delayed++
	b.delayed[e] = time.AfterFunc(delay, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.delayed[e]; !ok {
			return // the broker closed meanwhile
		}
		delete(b.delayed, e)
		q.delayed--
		if !q.removed {
			b.enqueue(q, e)
		}
	})
}

// dispatch hands q's ready entries to the listeners waiting on it, first
// come first served: a member that was served waits at the back next time,
// which shares a pool's load round-robin.
func (b *Broker) dispatch(q *queue) {
	for q.ready.Len() > 0 && q.waiters.Len() > 0 {
		l := q.waiters.Front().Value.(*listener)
		b.unregister(l)
		e, _ := q.ready.PopFront()
		l.handoff = b.handout(l, q, e)
		l.signal()
	}
}

// take hands l the next ready entry of its queues, trying them in turn from
// where it last took one so no queue starves another; nil when l is full or
// nothing is ready.
func (b *Broker) take(l *listener) *delivery {
	if len(l.outstanding) >= l.cfg.Prefetch {
		return nil
	}
	n := len(l.queues)
	for i := range n {
		idx := (l.nextQueue + i) % n
		q := l.queues[idx]
		if e, ok := q.ready.PopFront(); ok {
			l.nextQueue = (idx + 1) % n
			return b.handout(l, q, e)
		}
	}
	return nil
}

// serve gives a listener blocked in Next a delivery if one is ready, or
// queues it as a waiter on its queues if it has room for one. Called when
// it starts waiting and whenever its room grows.
func (b *Broker) serve(l *listener) {
	if !l.waiting || l.handoff != nil || l.stopped || l.registered {
		return
	}
	if d := b.take(l); d != nil {
		l.handoff = d
		l.signal()
		return
	}
	if len(l.outstanding) < l.cfg.Prefetch {
		b.register(l)
	}
}

func (b *Broker) register(l *listener) {
	for i, q := range l.queues {
		l.waitElems[i] = q.waiters.PushBack(l)
	}
	l.registered = true
}

func (b *Broker) unregister(l *listener) {
	if !l.registered {
		return
	}
	for i, q := range l.queues {
		q.waiters.Remove(l.waitElems[i])
		l.waitElems[i] = nil
	}
	l.registered = false
}

// handout gives e to l as a new delivery, counting it and starting its
// lease.
func (b *Broker) handout(l *listener, q *queue, e *entry) *delivery {
	e.deliveries++
	b.seq++
	d := &delivery{
		b:      b,
		l:      l,
		q:      q,
		e:      e,
		number: e.deliveries,
		seq:    b.seq,
		source: transport.Source{Target: e.key.target(), Priority: e.key.priority, Pool: q.pool},
	}
	l.outstanding[d] = struct{}{}
	q.unsettled++
	d.startLease()
	return d
}
