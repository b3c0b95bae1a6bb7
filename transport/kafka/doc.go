// Package kafka is hark's Kafka transport (github.com/twmb/franz-go),
// wire-compatible with oslo.messaging's kafka driver in both directions:
// hark reads what oslo's Kafka notifier writes, and what hark's notifier
// writes, oslo's Kafka listener reads. Importing the package registers it
// under the scheme kafka:
//
//	import _ "github.com/harkmq/hark/transport/kafka"
//
//	tr, err := transport.Open(ctx, "kafka://kafka1:9092,kafka2:9092/?consumer_group=nova")
//
// Its semantics are stronger than oslo's: oslo commits a record before
// dispatching it (at most once) and its REQUEUE does nothing; hark
// commits an offset only once everything before it is settled (at least
// once), requeues through retry topics and dead-letters to a topic.
//
// # URL
//
// oslo's TransportURL: several hosts (port 9092 when none is given), a
// virtual host that is appended to topic names as oslo's sender does, and
// SASL credentials in the first host's user info (oslo reads them there
// too). The query takes every option of oslo's [oslo_messaging_kafka]
// group with its name, so a transport_url copied from nova.conf works; an
// unknown option is an error that lists these:
//
//	kafka_max_fetch_bytes    most a fetch reads per partition, bytes (1048576)
//	kafka_consumer_timeout   how long a fetch waits on the broker, seconds (1.0)
//	consumer_group           group of listeners without a pool (oslo_messaging_consumer)
//	producer_batch_timeout   producer linger, seconds (0)
//	producer_batch_size      accepted, no effect (16384; see below)
//	compression_codec        none, gzip, snappy, lz4, zstd (none)
//	enable_auto_commit       accepted, never used (false; see below)
//	max_poll_records         most records taken per poll, and the prefetch
//	                         of listeners that set none (500)
//	security_protocol        PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (PLAINTEXT)
//	sasl_mechanism           PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (PLAIN)
//	ssl_cafile               CA certificates (PEM) that verify the brokers (system roots)
//	ssl_client_cert_file     client certificate (PEM)
//	ssl_client_key_file      its key (PEM; the certificate file when unset)
//	ssl_client_key_password  password of a legacy-encrypted PEM key
//	pool_size, conn_pool_min_size, conn_pool_ttl
//	                         deprecated in oslo, accepted, no effect
//
// producer_batch_size is librdkafka's batch.num.messages in oslo, a count
// of records; franz-go batches by bytes (up to 1 MB) and its batches never
// bound a record's size, so the option has no equivalent and no effect.
// enable_auto_commit is accepted so that oslo URLs work, and ignored: an
// automatic commit would commit records before they are settled, which is
// how oslo loses notifications. The broker's certificate is always
// verified. Passwords never appear in errors or logs (transport.URL's
// Redacted hides them, and ssl_client_key_password). Functional options
// (WithConsumerGroup, WithRevokeGrace, WithRetryPolicy, ...) override the
// URL.
//
// # Mapping
//
//	target (exchange, topic) + priority   topic "<topic>.<priority>[.<vhost>]"
//	transport.Message.Body                record value, byte for byte
//	transport.Message.Header              record headers (none from the notifier)
//	transport.Message.ID                  the body's message_id, or a Hark-Id header
//	non-pooled listeners                  consumer group consumer_group
//	pool P                                consumer group P
//	transient pool P                      group "P-<random>", never committed, deleted at Close
//	requeue                               a copy on "hark.retry.<group>.<topic>.<priority>"
//	dead letter                           "<dead-letter topic>.<priority>[.<vhost>]"
//
// The exchange is not in topic names: oslo ignores it on Kafka, so that
// targets that differ only by exchange share a topic (and a listener of
// one gets the other's notifications). It only names the source of a
// delivery: the exchange of the listener's target for that topic.
//
// Send writes what oslo's notifier writes: no key, the body as the value
// and no headers for a notification of hark's notifier (whose Message.ID
// is the body's message_id). A message with headers (a forwarded message,
// a dead-letter record) keeps them as record headers, sorted by name; a
// message whose ID the body does not say (an AMQP-dialect body carries
// _unique_id) gets a Hark-Id header, which the listener turns back into
// Message.ID. Records are spread over the partitions round-robin, so that
// a pool shares the load from the first record. The producer is
// idempotent and waits for all in-sync replicas (acks=all); Send returns
// once the broker acknowledged the record. Errors Kafka marks not
// retriable (a record too large, a refused authorization, an invalid
// topic) wrap transport.Permanent. Missing topics are created by the
// broker as for oslo (auto.create.topics.enable).
//
// # Listening
//
// A listener is one franz-go group client (one member, one connection
// set, three goroutines) subscribed to every "<topic>.<priority>" of its
// targets × priorities and to the group's retry topic of each, whatever
// their number. Unless passive, it creates missing topics (and the retry
// topics) with the broker's default partitions and replication, so a
// listener started before any sender gets everything. Listen returns once
// the group gave the new member partitions, or after the join wait (5s).
// Partitions are assigned with the range strategy (each topic split among
// its readers), which librdkafka offers by default, so oslo's listeners
// and hark's can share a pool.
//
// Prefetch bounds the deliveries a listener holds (taken in and not
// settled); it takes no more records from its client until one is
// settled. Settles may come in any order: a partition's offset is
// committed (every 100ms, WithCommitInterval) only up to its first
// unsettled record, so a crash redelivers, never loses.
//
// # Start positions
//
// Where a group starts on a partition it never committed: the non-pooled
// group reads everything the broker retains (so notifications sent before
// it first listened reach it, as the queue oslo's notifier declares on
// RabbitMQ keeps them: Capabilities.Backlog), a pool starts with what is
// sent after its first Listen (the end offsets when Listen was called,
// oslo's "latest"), StartAll from the log start, StartAt(t) from the first
// record stamped at or after t (offsets for timestamp). Retry topics
// always start at their log start. Start positions are resolved to exact
// offsets and committed as soon as the partitions are assigned, so they
// hold across restarts; they never move a group that has committed.
//
// # Requeue and dead letters
//
// REQUEUE never rewinds a partition (which would redeliver everything
// after the record): the record is copied to the group's retry topic for
// its source topic, "hark.retry.<group>.<topic>.<priority>[.<vhost>]"
// (per source topic so that only members reading that topic read its
// copies; a group name with characters Kafka does not allow is replaced
// by a safe one plus a hash), with the original value byte for byte and
// its headers plus Hark-Retry-Deliveries (the count so far),
// Hark-Retry-Due (Unix milliseconds), Hark-Retry-Topic,
// Hark-Retry-Partition, Hark-Retry-Offset (where it was first read) and
// Hark-Retry-Group. The original is settled only once the broker stored
// the copy, so a crash in between duplicates, never loses. A copy whose
// due time has not come is held by pausing its retry partition (and
// rewinding to it) until then: retry partitions are FIFO, so a copy with
// a long delay holds back the copies behind it in its partition
// (head-of-line), never the main topics. Deliveries() is 1 for a record
// of a main topic and rises with each requeue; a record read again after
// a crash counts 1 again (Kafka keeps no count). After
// ListenConfig.MaxDeliveries the message is dead-lettered instead: hark's
// record (transport.DeadLetter: the original value and headers, plus the
// Hark-Dlq-* headers as Kafka record headers) goes to
// "<dead-letter topic>.<priority>", the dead-letter topic being
// ListenConfig.DeadLetterTarget of the source ("<topic>.dlq" by default).
// A transient group has no retry topic (it would outlive the group): its
// requeues are held in memory.
//
// # Leases, rebalances and Close
//
// Kafka has no per-record lease: Capabilities.Lease is false and Extend
// returns an error wrapping transport.ErrNotSupported. A delivery is held
// until it is settled, its listener closes, or its partition is revoked.
// When the group revokes partitions (a member joined or left), what was
// taken in and not handed out is dropped (the new owner reads it), the
// deliveries handed out get the revoke grace (10s, WithRevokeGrace) to be
// settled, the rest are given back through the retry topic with their
// count, and the settled offsets are committed before the partitions go;
// settling a delivery given back fails with transport.ErrLeaseExpired. A
// partition lost with the member's session is dropped without a commit.
// Stop ends intake but keeps the member in its group until what it
// handed out is settled; Close gives back what is unsettled through the
// retry topic (settling it then fails with transport.ErrClosed), commits
// and leaves the group.
//
// # Capabilities
//
// Requeue, DelayedRequeue, Durable, Pools, DeadLetter, Backlog and
// StartPosition. Not Lease (above), and not Ordering: oslo sends without a
// key, so one topic's records spread over its partitions and only each
// partition is read in order. A passive listener (hark dlq) creates
// nothing and fails with an error wrapping transport.ErrNotFound when
// none of its topics exists (it reads the retry topics that exist when it
// starts); Kafka has no exchanges, so it never reports
// transport.ErrExchangeNotFound. The listener implements
// transport.BacklogReporter from the group's consumer lag (kadm's Lag),
// and the transport transport.Health from its clients' last connection
// attempt.
//
// # Kafka versions
//
// The features used need: record headers and the idempotent producer,
// Kafka 0.11+; offsets for a timestamp (StartAt), 0.10.1+; CreateTopics
// with the broker's default partitions and replication (-1), 2.4+ (older
// brokers: create the topics beforehand, or rely on auto-creation);
// DeleteGroups (transient pools), 1.1+; the classic consumer group
// protocol with the range strategy, 0.9+ (no cooperative rebalancing is
// needed). franz-go negotiates request versions with each broker.
package kafka
