package transport

import "context"

// AnyTopic is the Backlog.Topic of a queue or consumer that serves
// several topics of one exchange, whose messages the broker does not count
// per topic.
const AnyTopic = "*"

// Backlog is how many messages wait for one group on the broker: stored
// and not yet delivered, plus delivered and not yet settled (by any
// member). It is what an autoscaler watches.
type Backlog struct {
	// Exchange and Topic name what the count covers; Topic is AnyTopic
	// when one queue or consumer serves several topics.
	Exchange string
	Topic    string
	// Pool is the group ("" for the non-pooled group).
	Pool string
	// Messages waiting, as the broker reports it.
	Messages int64
}

// BacklogReporter is implemented by listeners whose broker can count what
// waits for their group (JetStream: pending plus ack-pending; RabbitMQ: the
// queue depth). A call asks the broker, so callers poll it every few
// seconds, never per message.
type BacklogReporter interface {
	// Backlog returns one entry per (exchange, topic) or per queue the
	// listener reads, in a stable order. It works while the listener is
	// open, stopped or not.
	Backlog(ctx context.Context) ([]Backlog, error)
}
