// Package bench is the engine of "hark bench": it measures how fast hark
// consumes notifications from a broker, and measures, in the same run and
// against the same broker, a bare client of that broker doing the same
// work (consume, decode the oslo envelope, acknowledge), and on RabbitMQ
// optionally the real oslo.messaging listener. Absolute figures vary
// between machines; the ratios of one run do not, which is why every
// figure comes with its baseline.
//
// Scenarios:
//   - drain: a backlog of notifications is sent first, then consumed as
//     fast as possible (throughput). On NATS core, which keeps no backlog,
//     the sender runs alongside the consumer, at most a window ahead.
//   - steady: notifications are sent at a fixed rate while being consumed;
//     the result is the publish-to-handler latency distribution.
//   - fanout: a backlog is consumed by several pools, each of which gets
//     its own copy of every notification.
//
// Contenders run one after the other, never at once, each on its own
// fresh exchange and topic, which are deleted afterwards.
package bench
