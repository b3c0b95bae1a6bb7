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
//	max_age=168h            how long a stream keeps a notification (and a dead letter); 0 = until max_bytes
//	max_bytes=-1            a stream's size cap, oldest discarded first; -1 = none (the server's storage limit)
//	duplicate_window=2m     how long a message ID is remembered to drop a re-sent duplicate (at most max_age)
//	max_ack_pending=10000   per consumer (a group's shape, all members): deliveries awaiting an ack, delayed requeues included; -1 = none
//	inactive_threshold=     how long a group's consumer outlives its last listener; default max_age, 0 = for good
//	publish_timeout=10s     bound of one attempt of a Send (the wait for the stream's ack)
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
// JetStream mode needs nats-server 2.10 or later (MinServerVersion:
// multi-subject consumer filters and consumer metadata); Open and New
// refuse an older server with ErrServerTooOld, naming both versions. Core
// mode works with any server.
//
// # Topology (JetStream)
//
// A notification to (exchange, topic, priority) is published on the
// subject "<exchange>.<topic>.<priority>"; its body is the oslo v2 envelope
// exactly as given (never re-encoded, so a notification bridged from
// RabbitMQ is byte-identical), its message ID travels as Nats-Msg-Id
// (scoped by the subject), so the stream drops a re-sent duplicate within
// duplicate_window, and its headers travel as NATS headers (values NATS
// cannot carry as they are, and keys NATS would interpret, travel encoded
// in one header and come back byte for byte). Delivery.Message returns
// hark's headers only.
//
// Each exchange has one stream, "HARK_<exchange>", capturing
// "<exchange>.>", with limits retention. What it keeps: every notification
// and every dead-letter record sent to the exchange, whether or not any
// group has read it, for max_age (a week by default), and within max_bytes
// when set (the oldest are discarded first). What it does not depend on:
// the number of groups, topics or priorities, or how far behind a group
// is. A group that falls more than max_age behind loses the oldest
// notifications it had not read; hark_backlog_messages (Listener.Backlog)
// is how to see it coming. A Send makes sure the stream exists, and makes
// nothing else: no consumer, nothing per subject.
//
// A listener reads, from each exchange of its targets, through its
// group's consumer for its shape there: the topics it listens to on that
// exchange and its priorities. The consumer is one durable pull consumer
// with one filter subject per topic ("<exchange>.<topic>.*") when the
// shape takes every priority, else one per topic and priority. Its name
// is "all_<topic>_<hash>" for the non-pooled group, "pool_<pool>_<topic>_<hash>"
// for a pool and "tmp_<pool>_<topic>_<hash>" for a transient one, where
// topic is the shape's first and the hash covers the group and every
// filter; its description and metadata (hark.group, hark.shape) say the
// rest. So:
//
//   - Consumers, goroutines and open pull requests grow with groups ×
//     listener shapes × exchanges, never with topics, priorities or the
//     subjects senders reach: a listener on 1,000 topics × 7 priorities
//     has one consumer, one subscription and, while idle, one long-poll
//     pull request.
//   - Members of a group with the same shape (replicas of one service)
//     share its consumer: they share the load, and the group gets one copy.
//   - Every group has its own consumers, so every group gets every
//     notification.
//   - Members of one group whose shapes differ (endpoints taking different
//     priorities, other topics) read through different consumers: a
//     member is never handed a notification on a subject it does not
//     listen to, so it never acknowledges a priority it has no endpoint
//     for; what their shapes share, each shape gets a copy of. Give the
//     members of a pool the same endpoints, or different pools. (oslo's
//     RabbitMQ driver, which hark's rabbit transport follows, instead binds
//     one pool queue to every member's keys, and a member acknowledges
//     what it has no endpoint for.)
//   - A shape change (a listener restarted with another topic or
//     priority) makes a new consumer that starts where the group's
//     consumers of overlapping shapes had got to (after the earliest
//     acknowledgement floor: nothing is lost, what came after the floor
//     and was acknowledged anyway is delivered again), and removes those
//     no member is using any more. Their members, if any still run,
//     keep theirs until the consumer's inactive threshold.
//   - A group's consumer outlives its listeners (it is durable) for
//     inactive_threshold, max_age by default: by then everything it could
//     have missed has aged out of the stream, and a group that comes back
//     afterwards starts as a new group does. A transient pool's consumer
//     (ListenConfig.Transient: hark tail's private pool) is removed when
//     its listener closes, and by the server 30s after a process that
//     died without closing it.
//
// Where a new group starts (ListenConfig.Start, harkd's listener.start):
// by default the non-pooled group with everything the stream retains
// (what was sent before it first listened, as oslo's notifier keeps it in
// the "<topic>.<priority>" queue it declares), and a pool with new
// notifications; StartAll, StartAt(time) or StartNew choose. A position
// never moves a group that exists: a listener joining one goes on where
// it is.
//
// # Semantics (JetStream)
//
//   - Send returns once the stream has stored the message (its publish
//     ack); a duplicate message ID counts as stored. It is one attempt,
//     bounded by publish_timeout: an ack lost with a connection, a frozen
//     or restarted server, or a stream leader that died, ends it with a
//     retryable error. Callers retry with the same message
//     (transport.SendRetrying: the notifier, hark notify, the forward
//     endpoint, hark dlq replay; dead-letter records are retried the same
//     way within their settle timeout), and the stream stores it once
//     because the Nats-Msg-Id is the same — within duplicate_window (2m by
//     default). A retry more than duplicate_window after an attempt the
//     stream did store (but whose ack was lost) is stored again; hark
//     notify's default bound per notification (90s) stays inside it, and
//     listeners drop a repeat that reaches them by its _unique_id.
//   - Prefetch is one budget per listener: it holds at most
//     ListenConfig.Prefetch deliveries, buffered and handed out, and asks
//     the server only for free budget. Whichever subjects have messages
//     use it all (a pull request is for the consumer, not a subject), and
//     subjects without messages cost nothing. An idle listener keeps one
//     long-poll request (30s, with a heartbeat every 2s) per consumer; a
//     busy one asks for more each time a quarter of its budget is free.
//     MaxAckPending bounds a whole group.
//   - Ack is JetStream's Ack, Requeue(0) Nak, Requeue(d) NakWithDelay(d),
//     Extend InProgress; the lease is the consumer's AckWait, which the last
//     listener of the group to start sets. Deliveries is the delivery count
//     the server keeps (NumDelivered).
//   - Leases are tracked locally too, ending a little before the server's
//     (a twentieth, at most a second): a settle or Extend after that
//     returns ErrLeaseExpired and sends nothing. (nats-server itself would
//     accept a late ack while the message is pending, even after
//     redelivering it to another member, and cancel that redelivery.) The
//     lease of a delivery buffered but not yet handed out is renewed
//     (InProgress) while it waits, so busy handlers do not make the
//     server redeliver what the listener holds.
//   - A listener whose process is killed (no Nak, no Close) holds its
//     deliveries until their AckWait (ack_wait, 30s by default) runs out
//     on the server; only then are they redelivered to another member.
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
//     per dead-lettering, since the original is in the same stream. It is
//     kept as long as the stream keeps anything: max_age.
//   - Replaying a dead letter (sending its original again) within
//     duplicate_window of the original is dropped as a duplicate: replay
//     later, or with a new message ID.
//   - Failover: a change of the consumer's leader (a server killed or
//     restarted in a cluster) ends the open pull requests with "409
//     Leadership Change", and the listener asks the new leader at once;
//     while no leader answers (an election), requests are retried with a
//     backoff of 100ms doubling to 2s, and the JetStream API is asked
//     whether the consumer exists, which makes it again only on a
//     definite "not found" (an operator's delete, a server that lost its
//     store). Requests lost silently (a restarted server) are renewed at
//     the reconnect, or after two missed heartbeats.
//   - Stop ends intake at once: the consumers' inbox subscriptions are
//     drained (every message in flight arrives and is given back) and
//     what the listener had buffered is given back with a Nak, for another
//     member to take at once; that counts as a delivery. Handed-out
//     deliveries can still be settled. Close then gives back the unsettled
//     ones. Transport.Close closes the listeners and drains the connection,
//     flushing every ack.
//   - A passive listener (ListenConfig.Passive: hark dlq) makes no
//     stream: one that does not exist is transport.ErrExchangeNotFound.
//     It uses its group's consumer as it is, and makes it only when the
//     stream holds messages on its subjects (else transport.ErrNotFound).
//   - Backlog (transport.BacklogReporter) is, per consumer, the messages
//     not yet delivered to the group (NumPending) plus those delivered and
//     not yet acknowledged (NumAckPending): one consumer info request.
//
// # Core mode
//
// ?mode=core publishes on the same subjects and listens with queue
// subscriptions to the same filter subjects (queue group "hark_all" for
// the non-pooled group, "hark_pool_<pool>" for a pool), all delivering to
// one channel read by one goroutine: every group gets a copy, members share,
// nothing is stored or acknowledged: at most once. Capabilities are Pools
// and Ordering only; Requeue, DeadLetter and Extend return
// transport.ErrNotSupported. Send flushes. A listener holds at most
// Prefetch messages; beyond that nats.go buffers, and past its pending
// limits drops messages and reports a slow consumer, which the transport
// logs and counts (SlowConsumerEvents). Messages buffered by a stopped
// listener are dropped, and their count logged.
package nats
