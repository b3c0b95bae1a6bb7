package rabbit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harkmq/hark/transport"
)

var _ transport.BacklogReporter = (*listener)(nil)

// Backlog reports, for each (exchange, topic) the listener reads, the
// messages ready in its queues: the message_count RabbitMQ answers to a
// passive queue.declare. That is what waits in the queue for delivery to
// any member of the group. It does not include what the broker has
// delivered and not yet had acknowledged (at most the prefetch of each
// consumer of the queue, whatever process it is in), which AMQP has no
// cheap way to count, nor what waits in a retry queue for a delayed
// requeue.
//
// Without a pool the listener reads one queue per "<topic>.<priority>":
// their counts are summed per (exchange, topic). A pool reads one queue
// bound to every key of every target: its Topic is the topic when the
// listener has one, else transport.AnyTopic. A queue bound for several
// exchanges (oslo names the non-pooled queue by routing key only, and a
// pool queue serves every target) counts under the first of them in
// target order, so that sums over entries count each message once. A
// queue that does not exist (a transient pool whose members all stopped,
// or one an operator deleted) counts 0. Entries come in target order.
//
// The declares go over a channel of their own on the listener's
// connection (never the consuming channel: a passive declare of a missing
// queue closes its channel), one Backlog call at a time; ctx bounds the
// wait, and a call the broker does not answer in time finishes in the
// background. The error wraps transport.ErrClosed once the listener is
// closed, and says why while the listener has no connection (it is
// reconnecting).
func (l *listener) Backlog(ctx context.Context) ([]transport.Backlog, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case l.probing <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("rabbit: backlog: the previous count still waits for the broker: %w", ctx.Err())
	}
	release := func() { <-l.probing }
	l.mu.Lock()
	closed, s, down := l.closed, l.sess, l.down
	l.mu.Unlock()
	if closed {
		release()
		return nil, fmt.Errorf("rabbit: backlog: the listener is closed: %w", transport.ErrClosed)
	}
	if s == nil {
		release()
		if down == nil {
			down = errors.New("rabbit: the listener has no connection")
		}
		return nil, fmt.Errorf("rabbit: backlog: %w", down)
	}
	type result struct {
		depths []int64
		err    error
	}
	res := make(chan result, 1)
	started := s.spawn(func() {
		defer release()
		d, err := s.queueDepths(l.plans)
		res <- result{d, err}
	})
	if !started {
		release()
		return nil, fmt.Errorf("rabbit: backlog: the listener's connection is closing: %w", transport.ErrClosed)
	}
	select {
	case r := <-res:
		if r.err != nil {
			return nil, r.err
		}
		return groupBacklog(l.cfg.Pool, l.plans, r.depths), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("rabbit: backlog: %w", ctx.Err())
	}
}

// queueDepths asks the broker for the ready count of each queue of plans
// with passive declares, on a channel of its own that it closes. A
// missing queue (404 NOT_FOUND, which closes the channel) counts 0.
func (s *session) queueDepths(plans []queuePlan) ([]int64, error) {
	var ch *amqp.Channel
	defer func() {
		if ch != nil {
			_ = ch.Close()
		}
	}()
	out := make([]int64, len(plans))
	for i, q := range plans {
		if ch == nil {
			c, err := s.conn.Channel()
			if err != nil {
				return nil, fmt.Errorf("rabbit: backlog: open a channel: %w", err)
			}
			ch = c
		}
		info, err := ch.QueueDeclarePassive(q.name, false, false, false, false, nil)
		if isNotFound(err) {
			ch = nil // the broker closed it
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("rabbit: backlog: passive declare of queue %q: %w", q.name, err)
		}
		out[i] = int64(info.Messages)
	}
	return out, nil
}

// isNotFound reports a 404: the queue does not exist.
func isNotFound(err error) bool {
	var ae *amqp.Error
	return errors.As(err, &ae) && ae.Code == amqp.NotFound
}

// groupBacklog turns the depths of plans (one per plan) into Backlog
// entries: one per (exchange, topic), in plan order, see Backlog.
func groupBacklog(pool string, plans []queuePlan, depths []int64) []transport.Backlog {
	var out []transport.Backlog
	index := map[[2]string]int{}
	for i, q := range plans {
		ex, topic := planSubject(q)
		k := [2]string{ex, topic}
		j, ok := index[k]
		if !ok {
			j = len(out)
			index[k] = j
			out = append(out, transport.Backlog{Exchange: ex, Topic: topic, Pool: pool})
		}
		out[j].Messages += depths[i]
	}
	return out
}

// planSubject is what a queue's count covers: the exchange of its first
// binding, and the topic of its bindings, or transport.AnyTopic when they
// span several topics.
func planSubject(q queuePlan) (exchange, topic string) {
	if len(q.bindings) == 0 {
		return "", transport.AnyTopic
	}
	exchange = q.bindings[0].exchange
	topic = bindingTopic(q.bindings[0])
	for _, b := range q.bindings[1:] {
		if bindingTopic(b) != topic {
			return exchange, transport.AnyTopic
		}
	}
	return exchange, topic
}

// bindingTopic is the topic of a "<topic>.<priority>" binding key (a
// priority has no dot).
func bindingTopic(b binding) string {
	if i := strings.LastIndexByte(b.key, '.'); i >= 0 {
		return b.key[:i]
	}
	return b.key
}
