// Package nats is hark's NATS transport: JetStream by default (durable,
// at least once, with requeue, leases and dead letters), or core NATS
// (at most once) with ?mode=core. Package embedded runs a NATS server with
// JetStream inside the process.
//
// Import it for its side effect to open transports by URL:
//
//	import _ "github.com/harkmq/hark/transport/nats"
//
//	tr, err := transport.Open(ctx, "nats://127.0.0.1:4222")
//
// or call Open (a parsed URL, extra options such as an in-process
// connection to an embedded server) or New (a connection the caller owns).
//
// # URL
//
//	nats://[user:pass@]host:port[,[user:pass@]host:port]/?options
//	nats+tls://...   (TLS; the same as ?tls=true)
//
// No host means 127.0.0.1:4222; a host without a port uses 4222. A user
// without a password is a token (nats.go's rule). The virtual host must
// be empty. Options, with their defaults; an unknown option is an error
// listing the valid ones:
//
//	mode=jetstream          jetstream | core
//	ack_wait=30s            lease of listeners that set none (JetStream AckWait)
//	max_deliveries=0        delivery cap of listeners that set none; 0 = none
//	replicas=1              replicas of the streams the transport creates (1-5)
//	storage=file            file | memory (memory: not durable across restarts)
//	max_age=0               how long a stream keeps an unacknowledged notification; 0 = until every group acked it
//	max_bytes=-1            a stream's size cap, oldest discarded first; -1 = none
//	duplicate_window=2m     how long a message ID is remembered to drop a re-sent duplicate
//	max_ack_pending=1000    per consumer (group × subject, all members): deliveries awaiting an ack, delayed requeues included; -1 = none
//	backlog=true            Send makes the non-pooled group's consumer exist (see Semantics)
//	publish_timeout=10s     bound of a Send whose context has no deadline
//	name=hark               connection name shown by the server
//	token=, nkey=FILE, creds=FILE          authentication (or user:pass in the URL)
//	tls=false, tls_ca=FILE, tls_cert=FILE, tls_key=FILE   TLS; any tls_* option implies tls=true
//	connect_timeout=5s      bound of each dial
//	reconnect_wait=250ms, max_reconnect_wait=5s  reconnect backoff (doubling, 20% jitter)
//
// Durations are Go durations or seconds ("30", "0.5"). The connection
// reconnects forever: a listener daemon outlives broker restarts. Open
// itself fails when no server answers.
//
// # Topology (JetStream)
//
// A notification to (exchange, topic, priority) is published on the
// subject "<exchange>.<topic>.<priority>"; its body is the oslo v2 envelope
// exactly as given (never re-encoded, so a notification bridged from
// RabbitMQ is byte-identical), its message ID travels as Nats-Msg-Id, so
// the stream drops a re-sent duplicate within duplicate_window, and its
// headers travel as NATS headers (values NATS cannot carry as they are,
// and keys NATS would interpret, travel encoded in one header and come
// back byte for byte). Delivery.Message returns hark's headers only.
//
// Each exchange has one stream, "HARK_<exchange>", capturing
// "<exchange>.>", with interest retention: a notification is kept until
// every group that wants it has acknowledged it (or max_age or max_bytes
// say otherwise), so storage is bounded by the slowest group.
//
// Each group on each subject has one durable pull consumer: the
// non-pooled group's "all_<topic>_<priority>_<hash>", a pool's
// "pool_<pool>_<topic>_<priority>_<hash>" (the hash tells apart names that
// read alike). Members of a group share their consumer; every group has
// its own, so every group gets every notification. A listener on several
// targets and priorities has one consumer per (target, priority), as
// oslo's non-pooled queues are per routing key. Consumers are durable
// (file storage survives a server restart) and never deleted by hark: an
// abandoned pool keeps its notifications until max_age or an operator
// removes it (nats consumer rm).
//
// # Semantics (JetStream)
//
//   - Backlog: Send makes sure the non-pooled group's consumer for the
//     subject exists before it publishes, as oslo's notifier declares the
//     "<topic>.<priority>" queue, so notifications sent before any listener
//     wait for the non-pooled group. They accumulate while no non-pooled
//     listener reads them, as on RabbitMQ: bound them with max_age, or set
//     backlog=false when only pools listen (then a notification no group
//     exists for yet is not stored at all).
//   - A new pool starts with notifications sent after its first listener
//     started (its consumer delivers new messages only).
//   - Send returns once the stream has stored the message (its publish
//     ack); a duplicate message ID counts as stored.
//   - Prefetch: a listener holds at most ListenConfig.Prefetch deliveries,
//     buffered and handed out together: it requests messages from the
//     server only for free slots (pull requests of up to Prefetch, a
//     slot left for each of its other consumers). MaxAckPending bounds a
//     whole group.
//   - Ack is JetStream's Ack, Requeue(0) Nak, Requeue(d) NakWithDelay(d),
//     Extend InProgress; the lease is the consumer's AckWait, which the last
//     listener of the group to start sets. Deliveries is the delivery count
//     the server keeps (NumDelivered).
//   - Leases are tracked locally too, ending a little before the server's
//     (a twentieth, at most a second): a settle or Extend after that
//     returns ErrLeaseExpired and sends nothing. (nats-server itself would
//     accept a late ack while the message is pending, even after
//     redelivering it to another member, and cancel that redelivery.)
//   - MaxDeliveries: a Requeue of delivery number MaxDeliveries or later
//     dead-letters instead; when the lease of delivery MaxDeliveries runs
//     out, the server's next delivery (number MaxDeliveries+1, never handed
//     out) is dead-lettered by whichever member receives it. The
//     consumers' MaxDeliver is unlimited, so a message whose dead-letter
//     record cannot be written is retried, never dropped by the server.
//   - DeadLetter publishes the record (transport.DeadLetter: the original
//     body and headers byte for byte, plus Hark-Dlq-* headers) to the
//     listener's dead-letter target with the source priority, waits for
//     the stream's ack, then Terms the message. The record keeps the
//     original message ID, but is de-duplicated on an ID of its own, one
//     per dead-lettering, since the original is in the same stream.
//   - Replaying a dead letter (sending its original again) within
//     duplicate_window of the original is dropped as a duplicate: replay
//     later, or with a new message ID.
//   - Stop ends intake at once: the open pull requests are abandoned
//     (their subscriptions drained, so no message in flight is lost) and
//     what the listener had buffered is given back with a Nak, for another
//     member to take at once; that counts as a delivery. Handed-out
//     deliveries can still be settled. Close then gives back the unsettled
//     ones. Transport.Close closes the listeners and drains the connection,
//     flushing every ack.
//
// # Core mode
//
// ?mode=core publishes on the same subjects and listens with queue
// subscriptions (queue group "hark_all" for the non-pooled group,
// "hark_pool_<pool>" for a pool): every group gets a copy, members share,
// nothing is stored or acknowledged: at most once. Capabilities are Pools
// and Ordering only; Requeue, DeadLetter and Extend return
// transport.ErrNotSupported. Send flushes. A listener holds at most
// Prefetch messages; beyond that nats.go buffers, and past its pending
// limits drops messages and reports a slow consumer, which the transport
// logs and counts (SlowConsumerEvents). Messages buffered by a stopped
// listener are dropped, and their count logged.
package nats
