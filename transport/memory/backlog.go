package memory

import (
	"context"
	"fmt"

	"github.com/harkmq/hark/transport"
)

var _ transport.BacklogReporter = (*listener)(nil)

// Backlog reports what waits in the listener's queues for its group:
// entries ready, entries handed out to any member and not yet settled,
// and entries waiting out a delayed requeue. Without a pool the queues of
// one (exchange, topic), one per priority, are summed; a pool's single
// queue is reported under its topic when the listener has one, else
// under transport.AnyTopic, and under the exchange of the listener's
// first target. Entries come in target order. The counts are exact at
// the time of the call; it costs a lock and a loop over the listener's
// queues. The error wraps transport.ErrClosed once the listener is
// closed.
func (l *listener) Backlog(ctx context.Context) ([]transport.Backlog, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := l.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("memory: backlog: the listener is closed: %w", transport.ErrClosed)
	}
	var out []transport.Backlog
	index := map[[2]string]int{}
	for _, q := range l.queues {
		ex, topic := l.subject(q)
		k := [2]string{ex, topic}
		j, ok := index[k]
		if !ok {
			j = len(out)
			index[k] = j
			out = append(out, transport.Backlog{Exchange: ex, Topic: topic, Pool: l.cfg.Pool})
		}
		out[j].Messages += int64(q.depth())
	}
	return out, nil
}

// subject is what the count of q covers: a non-pooled queue's exchange
// and topic; for the pool queue, the first target's exchange and the
// listener's topic, or transport.AnyTopic when it has several.
func (l *listener) subject(q *queue) (exchange, topic string) {
	if q.pool == "" {
		return q.key.exchange, q.key.topic
	}
	ts := l.cfg.Targets
	exchange, topic = ts[0].Exchange, ts[0].Topic
	for _, t := range ts[1:] {
		if t.Topic != topic {
			return exchange, transport.AnyTopic
		}
	}
	return exchange, topic
}
