package memory

import (
	"container/list"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// key is a routing key: what a Send addresses and what a queue is bound to.
// The exchange is always resolved (never empty).
type key struct {
	exchange string
	topic    string
	priority transport.Priority
}

func (k key) target() target.Target {
	return target.Target{Exchange: k.exchange, Topic: k.topic}
}

// entry is one message in one queue. The message itself is shared by every
// queue it was routed to and never modified after Send; the delivery count
// is per queue, as each queue's group sees its own deliveries.
//
// An entry is in exactly one place at a time: a queue's ready ring, the
// broker's delayed set, or held by one active delivery (which is what makes
// a lease exclusive), or gone once settled.
type entry struct {
	msg        *transport.Message
	key        key
	deliveries int
}

// depth is what waits in q for its group: ready, handed out and not
// settled, or waiting out a delayed requeue.
func (q *queue) depth() int { return q.ready.Len() + q.unsettled + q.delayed }

// queue is a non-pooled queue (one key) or a pool's queue (bound to the
// keys its members listen to). Guarded by Broker.mu.
//
// Invariant: a queue never has both ready entries and waiting listeners;
// whatever makes an entry ready or a listener wait dispatches at once.
type queue struct {
	// name is the pool, or "exchange/topic.priority" for a non-pooled
	// queue (its RabbitMQ name, qualified by the exchange), for logs.
	name string
	// pool is "" for a non-pooled queue.
	pool string
	// key is a non-pooled queue's key (zero for a pool queue).
	key key
	// bound is the set of keys a pool queue is bound to (nil otherwise).
	bound map[key]struct{}
	ready ring[*entry]
	// unsettled counts the entries held by active deliveries, and
	// delayed those waiting out a delayed requeue (backlog.go).
	unsettled int
	delayed   int
	// members counts a pool queue's listeners that are not closed;
	// transient says the queue goes with the last of them, and removed
	// that it went (transient.go).
	members   int
	transient bool
	removed   bool
	// waiters holds *listener values blocked in Next that have room for
	// another delivery, in arrival order, so a queue's members are served
	// in turn.
	waiters list.List
}

func newPoolQueue(pool string) *queue {
	return &queue{name: pool, pool: pool, bound: map[key]struct{}{}}
}

func newNonPooledQueue(k key) *queue {
	return &queue{name: k.exchange + "/" + k.topic + "." + string(k.priority), key: k}
}
