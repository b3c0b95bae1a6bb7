// Package rabbit is hark's RabbitMQ transport (github.com/rabbitmq/amqp091-go),
// wire-compatible with oslo.messaging's rabbit driver in both directions:
// hark listens to the notifications OpenStack services send, and what hark
// sends, oslo listeners read. Importing the package registers it under the
// schemes rabbit, amqp, kombu (oslo's aliases; "kombu+amqp://" too) and
// amqps (TLS):
//
//	import _ "github.com/harkmq/hark/transport/rabbit"
//
//	tr, err := transport.Open(ctx, "rabbit://nova:secret@rabbit1:5672,nova:secret@rabbit2:5672/?amqp_durable_queues=true")
//
// # URL
//
// oslo's TransportURL (spec §4.8): several hosts, each with its own
// credentials (a host without any logs in with empty ones, as in oslo), a
// percent-encoded virtual host ("" and "/" both mean "/"), no host at all
// meaning guest:guest@localhost:5672. The query takes oslo's option names,
// so a transport_url copied from nova.conf works; an unknown option is an
// error that lists these:
//
//	amqp_durable_queues              durable exchanges and queues (false)
//	amqp_auto_delete                 auto-delete exchanges and queues (false)
//	rabbit_quorum_queue              quorum queues, durable (false)
//	rabbit_quorum_delivery_limit     x-delivery-limit of quorum queues (0: none)
//	rabbit_quorum_max_memory_length  x-max-in-memory-length (0: none)
//	rabbit_quorum_max_memory_bytes   x-max-in-memory-bytes (0: none)
//	rabbit_ha_queues                 x-ha-policy: all (false; ignored by RabbitMQ ≥ 3)
//	rabbit_qos_prefetch_count        prefetch of listeners that set none (0: transport.DefaultPrefetch, 64)
//	heartbeat_timeout_threshold      AMQP heartbeat, seconds (60)
//	heartbeat_rate                   accepted, see below (3)
//	kombu_compression                compress sent bodies: gzip, bz2, xz (none)
//	kombu_failover_strategy          round-robin or shuffle (round-robin)
//	kombu_reconnect_delay            pause before reconnecting, seconds (1)
//	kombu_reconnect_splay            random extra pause, seconds (0)
//	rabbit_retry_interval            first retry wait, seconds (1)
//	rabbit_retry_backoff             added per retry, seconds (2)
//	rabbit_interval_max              longest retry wait, seconds (30)
//	rabbit_login_method              AMQPLAIN, PLAIN or EXTERNAL (AMQPLAIN)
//	enable_cancel_on_failover        x-cancel-on-ha-failover consumers (false)
//	ssl                              TLS (false; true for amqps://)
//	ssl_ca_file, ssl_cert_file, ssl_key_file, ssl_version,
//	ssl_enforce_hostname_verification
//	control_exchange                 exchange of targets without one (openstack)
//
// oslo options that only concern RPC (rpc_conn_pool_size,
// rabbit_transient_queues_ttl, direct_mandatory_flag, ...) are accepted
// and have no effect. Functional options (WithDurableQueues,
// WithRetryPolicy, ...) override the URL.
//
// # Topology
//
// Exactly oslo's (spec §4.4, §4.5): a topic exchange per target exchange,
// routing key "<topic>.<priority>"; a listener without a pool consumes
// the queue named like the routing key, one per target and priority; a
// listener in a pool consumes one queue named after the pool, bound to
// every routing key of every target. Exchanges and queues are durable when
// amqp_durable_queues or rabbit_quorum_queue is set, auto-delete with
// amqp_auto_delete, with oslo's queue arguments, so a declare matches what
// OpenStack services declared with the same settings. When it does not (a
// service was configured otherwise), RabbitMQ answers 406
// PRECONDITION_FAILED; hark then logs a warning and uses the existing
// exchange or queue as it is (a passive declare), where oslo would fall
// back to a non-durable declare only.
//
// A transient pool (transport.ListenConfig.Transient, hark tail's private
// pool) gets a classic auto-delete queue with x-expires
// (WithTransientQueueExpiry, a minute by default): the broker deletes it
// when its last consumer goes, cancelled by Stop or lost with a
// connection, a killed process included, and deletes a queue that never
// got a consumer once it expires. A lost connection therefore loses what
// the queue held: a transient pool is for watching, not for work that
// must be done.
//
// A passive listener (transport.ListenConfig.Passive, hark dlq) declares
// nothing: it looks its exchanges and queues up with passive declares
// over a connection of its own, and consumes the queues that exist. A
// missing exchange is transport.ErrExchangeNotFound; no queue at all,
// transport.ErrNotFound.
//
// Start positions: a new pool starts with new notifications and the
// non-pooled queue holds what was sent since the publisher declared it;
// RabbitMQ keeps nothing else, so positions that read what the broker
// retained (transport.StartAll, transport.StartTime) are refused with
// ErrNotSupported.
//
// Send publishes as oslo's notifier does (spec §3.3, §4.3): it declares the
// exchange and the default queue "<topic>.<priority>" bound to it (so
// notifications sent before any listener wait for the non-pooled group),
// publishes with content type application/json, encoding utf-8, delivery
// mode 2 and the message headers, and waits for the publisher confirm
// (a transport's declarations of one queue take turns: RabbitMQ nacks a
// publish to a quorum queue that another channel is still creating).
// oslo 14.0.3 (kombu) publishes exactly content_type, content_encoding,
// application_headers {}, delivery_mode 2 and priority 0 (read back from
// RabbitMQ with py-amqp). hark differs in three properties, on purpose or
// of necessity:
//   - priority 0 and the empty application_headers table are left out:
//     amqp091-go writes neither (it sends a priority only above 0 and a
//     table only when not empty). Both mean the same to every AMQP client:
//     RabbitMQ takes a message without priority as priority 0, and
//     kombu's Message.headers is {} either way.
//   - message_id is set to Message.ID (the body's _unique_id): the
//     transport contract carries Message.ID through the broker, for
//     dead-letter records, requeues and hark dlq. oslo's listener never
//     reads the property (it de-duplicates on the body's _unique_id, as
//     hark does), so it changes nothing for oslo.
//
// Because oslo names the non-pooled queue by routing key only, listeners
// on one topic in different exchanges share one queue, across exchanges,
// and so do applications that pick the same pool name. A delivery whose
// exchange and routing key the receiving listener did not subscribe to is
// passed to another listener of the same transport that did; across
// processes such queues are shared, as in oslo (ceilometer relies on it).
//
// # Deliveries
//
// Prefetch is basic.qos: per consumer when the listener has one queue
// (a pool, or one target and priority); with several queues, channel-wide
// (global) so that they share the bound, except on quorum queues, which
// refuse that: there each consumer gets the prefetch, and Next still hands
// out at most that many.
//
// Requeue with no delay uses oslo's basic.reject(requeue=true) on quorum
// queues, whose x-delivery-count counts it. A classic queue only flags a
// redelivery, so there hark republishes the message to its queue (through
// the default exchange, confirmed) with its count in x-hark-deliveries and
// then acknowledges the original: the count stays exact, and the copy
// goes to the back of the queue (a quorum queue also puts a returned
// message behind the others). Requeue with a delay goes through a retry
// queue per listener queue and delay, "<queue>.hark-retry.<ms>ms"
// (x-message-ttl, then dead-lettered back to the queue through the default
// exchange; it deletes itself a minute after its last use), so no worker
// holds the message meanwhile. A queue per delay, not per-message
// expiration in one queue, because RabbitMQ expires messages only at the
// head of a queue. Delays are capped at 24 hours.
//
// Deliveries counts deliveries to the queue's group: hark's
// x-hark-deliveries (what came before the last republish), plus the
// quorum queue's count of returns (x-acquired-count on RabbitMQ 4,
// x-delivery-count before), or 1 if a classic queue flags a redelivery,
// plus one. So the count is exact for requeues, and after a crash or a
// lost connection it is exact on quorum queues and a lower bound on
// classic ones (several returns there count as one). The headers hark and
// the broker add in transit (x-hark-*, x-delivery-count,
// x-acquired-count, x-death, x-first-death-*, x-last-death-*) are not in
// Message.Header. RabbitMQ 4 gives quorum queues a delivery limit of 20
// by default: the broker drops (or dead-letters through a policy) a
// message returned that often, whatever MaxDeliveries says.
// At MaxDeliveries a Requeue dead-letters the message instead: a
// transport.DeadLetter record (original body and headers byte for byte) is
// sent to the listener's dead-letter target with the source priority,
// through the send connection (so it waits in "<topic>.dlq.<priority>"),
// and then the original is acknowledged.
//
// Acknowledgements are coalesced: several go out as one basic.ack with
// multiple=true, which only ever covers deliveries that were settled (see
// acker.go). Ack returns once the acknowledgement is recorded; its frame
// follows within a millisecond, at once when half the prefetch waits, and
// always before the listener closes its channel. Until then the broker
// counts the delivery as unacknowledged, so only a lost connection can
// make it redeliver the message, as with a frame written and lost; the
// listener's duplicate suppression then acknowledges the copy. Rejects
// and nacks are written by the call that makes them.
//
// There is no lease (Capabilities.Lease is false and Extend returns
// ErrNotSupported): RabbitMQ has no per-delivery deadline. Its
// consumer_timeout (30 minutes by default) closes the whole channel of a
// consumer that holds a delivery longer; the listener then reconnects and
// the broker redelivers.
//
// # Backlog
//
// Listeners implement transport.BacklogReporter: the count is each
// queue's message_count from a passive queue.declare, the messages ready
// for delivery. Messages delivered and not yet acknowledged (at most the
// prefetch of each consumer) and those waiting in retry queues are not
// counted; the management API would have them, AMQP does not. Queues
// "<topic>.<priority>" are summed per (exchange, topic); a pool's queue
// is reported under transport.AnyTopic when it serves several topics.
//
// # Connections
//
// A transport has one connection for sending, made by Open, and one per
// listener (oslo's layout), each with the AMQP heartbeat
// heartbeat_timeout_threshold. amqp091-go sends a heartbeat after half
// the negotiated interval of silence and drops a connection that stayed
// silent for one and a half intervals; it negotiates the smaller of the
// client's and the broker's non-zero values and cannot turn heartbeats off
// when the broker wants them, so heartbeat_timeout_threshold=0 takes the
// broker's, and heartbeat_rate (kombu's polling rate) has no equivalent.
// Hosts are tried in oslo's order (shuffled once), round-robin from the
// last one that worked, or in a new random order each round with
// kombu_failover_strategy=shuffle.
//
// A lost connection (a broker restart, rabbitmqctl close_connection, a
// missed heartbeat, a network cut, or a consumer cancelled because its
// queue was deleted) is re-established by itself, after
// kombu_reconnect_delay and then oslo's growing retry interval: a listener
// re-declares its topology, sets its prefetch and consumes again. Its
// deliveries from the lost connection cannot be settled any more (the
// broker has them back and redelivers them): Ack and the others return an
// error wrapping ErrLeaseExpired, and never reach the new channel, where
// their delivery tags would name other messages. Send retries as the
// retry policy says (kombu's max_retries, interval_start, interval_step,
// interval_max; oslo's defaults: until the context ends, 1s, +2s, at most
// 30s), within its context or the publish timeout (30s) when the context
// has none. connection.blocked and unblocked are logged at ERROR and INFO.
// Transport.Healthy reports any connection that is down.
package rabbit
