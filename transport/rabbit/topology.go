package rabbit

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// This file names things as oslo.messaging's rabbit driver does (spec
// §4.4, §4.5): a topic exchange per target exchange, routing key
// "<topic>.<priority>", and a queue named after the routing key without a
// pool or after the pool with one, bound to every key of the listener.

// exchangeKind is the type of every exchange oslo declares for
// notifications.
const exchangeKind = amqp.ExchangeTopic

// routingKey is oslo's "<topic>.<priority>".
func routingKey(topic string, p transport.Priority) string {
	return topic + "." + string(p)
}

// queueName is the queue a listener consumes for topic and priority: the
// pool name verbatim when there is a pool (one queue for every key), the
// routing key otherwise (the queue oslo's notifier pre-declares).
func queueName(pool, topic string, p transport.Priority) string {
	if pool != "" {
		return pool
	}
	return routingKey(topic, p)
}

// binding is one queue binding: exchange and routing key.
type binding struct {
	exchange, key string
}

// queuePlan is one queue a listener declares and consumes, with its
// bindings.
type queuePlan struct {
	name     string
	bindings []binding
}

// planQueues lists the queues and bindings of cfg (defaults applied) in a
// stable order: targets, then priorities, as given. A pool gives one queue
// bound to every target's keys; without a pool each key has its queue.
func planQueues(cfg transport.ListenConfig) []queuePlan {
	var plans []queuePlan
	index := map[string]int{}
	for _, t := range cfg.Targets {
		for _, p := range cfg.Priorities {
			name := queueName(cfg.Pool, t.Topic, p)
			b := binding{exchange: t.Exchange, key: routingKey(t.Topic, p)}
			i, ok := index[name]
			if !ok {
				i = len(plans)
				index[name] = i
				plans = append(plans, queuePlan{name: name})
			}
			if !slices.Contains(plans[i].bindings, b) {
				plans[i].bindings = append(plans[i].bindings, b)
			}
		}
	}
	return plans
}

// exchanges lists the distinct exchanges of plans.
func exchanges(plans []queuePlan) []string {
	var out []string
	for _, q := range plans {
		for _, b := range q.bindings {
			if !slices.Contains(out, b.exchange) {
				out = append(out, b.exchange)
			}
		}
	}
	return out
}

// parseSource works out the target and priority a message was routed by
// from its exchange and routing key, given the listener's targets and
// priorities. ours is false when the pair is not one the listener
// subscribed to: a shared queue (oslo names the non-pooled queue by
// routing key only, so it is shared across exchanges; a pool queue is
// shared across topics) can carry other listeners' messages. Then the
// routing key is split at its last dot when that leaves a priority.
func parseSource(exchange, key string, cfg *transport.ListenConfig) (t target.Target, p transport.Priority, ours bool) {
	for _, tg := range cfg.Targets {
		if tg.Exchange != exchange || !strings.HasPrefix(key, tg.Topic) || len(key) <= len(tg.Topic) || key[len(tg.Topic)] != '.' {
			continue
		}
		prio := transport.Priority(key[len(tg.Topic)+1:])
		if slices.Contains(cfg.Priorities, prio) {
			return target.Target{Exchange: exchange, Topic: tg.Topic}, prio, true
		}
	}
	if i := strings.LastIndexByte(key, '.'); i > 0 {
		if prio := transport.Priority(key[i+1:]); prio.Valid() {
			return target.Target{Exchange: exchange, Topic: key[:i]}, prio, false
		}
	}
	return target.Target{Exchange: exchange, Topic: key}, "", false
}

// queueArgs are oslo's _get_queue_arguments for notification queues
// (rabbit_queue_ttl is 0 for them): the same values, so that a declare
// matches a queue an OpenStack service made. Integers are 32-bit, as
// py-amqp writes small Python ints.
func queueArgs(c *config) amqp.Table {
	args := amqp.Table{}
	if c.haQueues {
		args["x-ha-policy"] = "all"
	}
	if c.quorum {
		args["x-queue-type"] = amqp.QueueTypeQuorum
		if c.quorumDeliveryLimit > 0 {
			args["x-delivery-limit"] = int32(c.quorumDeliveryLimit)
		}
		if c.quorumMaxMemLength > 0 {
			args["x-max-in-memory-length"] = int32(c.quorumMaxMemLength)
		}
		if c.quorumMaxMemBytes > 0 {
			args["x-max-in-memory-bytes"] = int32(c.quorumMaxMemBytes)
		}
	}
	if len(args) == 0 {
		return nil
	}
	return args
}

// transientQueueArgs are the arguments of a transient pool's queue: no
// queue type (a classic queue), x-expires, and oslo's x-ha-policy when
// asked for.
func transientQueueArgs(c *config) amqp.Table {
	args := amqp.Table{"x-expires": int32(c.transientExpiry.Milliseconds())}
	if c.haQueues {
		args["x-ha-policy"] = "all"
	}
	return args
}

// Delayed requeues go through retry queues: one per listener queue and
// delay, "<queue>.hark-retry.<ms>ms", holding messages for the delay
// (x-message-ttl) and dead-lettering them back to the listener queue
// through the default exchange. A queue per delay, rather than one queue
// with per-message expiration, because RabbitMQ expires messages only at
// the head of a queue: a long delay would hold back every shorter one
// queued behind it. Unused retry queues delete themselves (x-expires).
const (
	retrySuffix = ".hark-retry."
	// maxDelay bounds a delayed requeue: x-message-ttl is a 32-bit count
	// of milliseconds, and x-expires adds retryQueueIdle on top.
	maxDelay = 24 * time.Hour
	// retryQueueIdle is how long a retry queue outlives the last message
	// put in it (it is redeclared before each publish, which resets the
	// x-expires clock).
	retryQueueIdle = time.Minute
)

// retryQueueName names the retry queue of queue for delay (rounded up to
// a millisecond). Names longer than AMQP's 255 bytes keep a prefix of
// the queue name and a hash of the rest, so they stay unique.
func retryQueueName(queue string, delay time.Duration) string {
	ms := delayMillis(delay)
	suffix := retrySuffix + strconv.FormatInt(ms, 10) + "ms"
	if len(queue)+len(suffix) <= target.MaxNameLength {
		return queue + suffix
	}
	sum := sha256.Sum256([]byte(queue))
	h := "~" + hex.EncodeToString(sum[:8])
	return queue[:target.MaxNameLength-len(suffix)-len(h)] + h + suffix
}

// delayMillis is delay in whole milliseconds, rounded up so a retry never
// comes early, and at least 1.
func delayMillis(delay time.Duration) int64 {
	ms := int64((delay + time.Millisecond - 1) / time.Millisecond)
	return max(ms, 1)
}

// retryQueueArgs hold a message for delay, then hand it back to queue.
func retryQueueArgs(queue string, delay time.Duration) amqp.Table {
	ms := delayMillis(delay)
	return amqp.Table{
		"x-message-ttl":             int32(ms),
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": queue,
		"x-expires":                 int32(ms + retryQueueIdle.Milliseconds()),
	}
}
