// Package memory is hark's in-process transport: a broker that lives in the
// program's memory, with the full delivery semantics of the network drivers
// (pools, requeue with delay, leases, delivery counts, max deliveries and
// dead letters), minus durability. It serves tests, embedding, and
// single-process applications.
//
// Import it for its side effect to open transports by URL:
//
//	import _ "github.com/harkmq/hark/transport/memory"
//
//	tr, err := transport.Open(ctx, "memory://")
//
// The schemes are memory:// and fake:// (oslo.messaging's name for its
// in-process driver). Transports opened by URL with the same virtual host
// ("memory://" and "memory:///" name the same, empty one; "memory:///name"
// another) share one broker, which closes when the last of them closes.
// Hosts are ignored and no query options are accepted. To own a broker
// explicitly, use NewBroker and Broker.Transport.
//
// # Topology
//
// The broker mirrors oslo.messaging's RabbitMQ topology. A message sent to
// (exchange, topic, priority) goes to the non-pooled queue of that key and
// to every pool queue bound to it:
//
//   - The non-pooled queue of a key exists from the first Send to it (oslo's
//     publisher declares it), so notifications sent before any listener
//     started wait there for the non-pooled group. Non-pooled listeners on
//     one key compete for its messages. Such a backlog stays until someone
//     listens, for the broker's life, as on RabbitMQ (WithMaxQueueLength
//     bounds it).
//   - A pool's queue is created when the first member of the pool listens,
//     and is bound to every (exchange, topic, priority) any member listens
//     to. It then lives as long as the broker and collects messages while no
//     member listens (a durable RabbitMQ queue). A new pool starts with new
//     notifications only. As on RabbitMQ, pool names are global to the
//     broker, and a member may receive messages of a binding another member
//     added. A transient pool's queue (ListenConfig.Transient) is removed,
//     with what it holds, when its last member closes, as RabbitMQ
//     deletes an auto-delete queue.
//   - A passive listener (ListenConfig.Passive) creates and binds nothing:
//     it reads the queues of its group that exist. An exchange exists once
//     something was sent to it or a group listened on it.
//
// The broker keeps no history: start positions that read one
// (transport.StartAll, transport.StartTime) are refused with
// transport.ErrNotSupported.
//
// # Delivery
//
// Queues are FIFO. A message given back (immediate requeue, lease expiry, a
// closed listener's unsettled deliveries) rejoins the head of its queue, as
// RabbitMQ puts a rejected message back in place; a delayed requeue rejoins
// the tail when its delay has passed. Members of a queue waiting in Next
// are served in turn. A message is held by at most one delivery at a time:
// a lease is exclusive.
//
// Every delivery of a message through a queue raises its delivery count,
// whatever caused it. When a listener's MaxDeliveries is reached (a
// delivery numbered MaxDeliveries or later is requeued or its lease runs
// out), the message is dead-lettered with reason
// transport.ReasonMaxDeliveries. Dead-letter records are sent through the
// broker like any message, to the listener's dead-letter target with the
// source priority, so they wait in that key's non-pooled queue until read.
//
// # Backlog
//
// Listeners implement transport.BacklogReporter, exactly: what is ready in
// their queues, plus what is handed out to any member and not settled,
// plus what waits out a delayed requeue; summed per (exchange, topic)
// without a pool, under transport.AnyTopic for a pool that serves several
// topics.
package memory
