package bench

import (
	"context"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// side is one contender's client of the broker. A side is opened for one
// round on its own fresh names, and close removes what it declared.
type side interface {
	// prepare makes the queues or consumers of groups exist ("" is the
	// non-pooled group, anything else a pool), so that what is sent from
	// now on waits for them.
	prepare(ctx context.Context, groups []string) error
	// send publishes one notification of priority p (its body says the
	// same) and returns once the broker has accepted it (publisher
	// confirm, JetStream ack, flush).
	send(ctx context.Context, p transport.Priority, msg transport.Message) error
	// consume starts consuming every group; each handled notification is
	// recorded in t. stop ends consuming and waits for the handlers.
	consume(ctx context.Context, groups []string, t *tally) (stop func(context.Context) error, err error)
	// close releases the connection and deletes what prepare declared.
	close(ctx context.Context) error
}

// contender opens sides of one kind: hark, harkd, a bare client, or
// oslo.
type contender struct {
	// name is "hark", "harkd", "bare", "bare-envelope" or "oslo"; client
	// describes what runs.
	name, client string
	// hark is set for hark's own contenders (hark, harkd): the report
	// gives their ratios to each of the others.
	hark bool
	// backlog is false when the broker keeps nothing for a consumer that
	// is not running yet (NATS core): drain then sends alongside.
	backlog bool
	open    func(ctx context.Context, n names) (side, error)
}

// processSide is a side whose consumers are processes of their own
// (harkd): it tells what they cost, and what they said when they failed.
type processSide interface {
	side
	// processStats describes the processes of the last consume.
	processStats() *Process
	// diagnostics is the tail of the processes' standard error.
	diagnostics() string
}

// names are the exchange, topic and pools one round of one contender
// uses: unique, so rounds and contenders never see each other's messages.
type names struct {
	exchange, topic string
	pools           []string
}

// groups are the consumer groups of a scenario: the non-pooled group,
// or one per pool for fanout.
func (n names) groups() []string {
	if len(n.pools) == 0 {
		return []string{""}
	}
	return n.pools
}

func (n names) target() target.Target {
	return target.Target{Exchange: n.exchange, Topic: n.topic}
}
