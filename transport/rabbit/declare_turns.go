package rabbit

import "sync"

// declareTurns makes the declarations of one queue within a transport
// (by its sends and its listeners, on any of its connections) take turns.
//
// Why: RabbitMQ answers queue.declare for a quorum queue that another
// channel is still creating at once, before the queue has elected a
// leader, and nacks a publish routed to it until it has. A Send that
// raced a concurrent declaration of its default queue had its publish
// nacked, while a pool's queue the message was also routed to kept its
// copy, so the retry delivered the message twice. The first declarer's
// declare-ok comes once the queue has a leader; waiting for it ends the
// race. Declarations by other processes are beyond its reach: there a
// nacked publish is retried (at-least-once) and listeners drop the copy
// by its message ID.
//
// The zero value is ready for use; it is safe for concurrent use.
type declareTurns struct {
	mu sync.Mutex
	// busy holds, per queue name, a channel closed when the declaration
	// under way ends.
	busy map[string]chan struct{}
}

// take waits until no declaration of queue is under way in the
// transport, and returns the function that ends the caller's. The wait is
// bounded by the other declaration, which ends when the broker answers or
// its connection is lost.
func (g *declareTurns) take(queue string) (done func()) {
	for {
		g.mu.Lock()
		held, busy := g.busy[queue]
		if !busy {
			if g.busy == nil {
				g.busy = map[string]chan struct{}{}
			}
			mine := make(chan struct{})
			g.busy[queue] = mine
			g.mu.Unlock()
			return func() {
				g.mu.Lock()
				delete(g.busy, queue)
				g.mu.Unlock()
				close(mine)
			}
		}
		g.mu.Unlock()
		<-held
	}
}
