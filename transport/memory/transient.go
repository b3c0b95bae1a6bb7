package memory

import (
	"slices"

	"go.uber.org/zap"
)

// Transient pools (transport.ListenConfig.Transient): a pool queue made
// by a transient listener is removed, with what it holds, when its last
// member closes, as RabbitMQ deletes an auto-delete queue. Like a
// RabbitMQ declare, the first listener decides: members that join later
// share the queue whatever their own setting. A process that dies takes
// the whole broker with it, so nothing is needed for that case.

// joinPool counts a new member of the pool queue q; transient marks a
// queue that member just created.
func (b *Broker) joinPool(q *queue, transient bool) {
	q.members++
	if transient {
		q.transient = true
	}
}

// leavePool forgets l as a member of its pool queue, removing a transient
// queue that l was the last member of. Called with the broker's lock
// held, once, when l closes.
func (b *Broker) leavePool(l *listener) {
	if l.cfg.Pool == "" {
		return
	}
	q := l.queues[0]
	q.members--
	if q.members > 0 || !q.transient {
		return
	}
	b.removePoolQueue(q)
}

// removePoolQueue unbinds q, drops what it holds, and forgets it, so that
// the pool's next listener starts a new queue. Entries waiting out a
// delayed requeue are dropped when their delay ends.
func (b *Broker) removePoolQueue(q *queue) {
	if b.pools[q.pool] == q {
		delete(b.pools, q.pool)
	}
	for k := range q.bound {
		qs := slices.DeleteFunc(b.bindings[k], func(x *queue) bool { return x == q })
		if len(qs) == 0 {
			delete(b.bindings, k)
		} else {
			b.bindings[k] = qs
		}
	}
	q.ready.Clear()
	q.removed = true
	b.log.Debug("memory: transient pool removed with its last listener", zap.String("pool", q.pool))
}
