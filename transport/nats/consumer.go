package nats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// consumerConfig is the durable pull consumer of one group (a pool, or
// the non-pooled group when pool is "") on one subject.
//
//   - DeliverNew: a group starts with what is sent after it exists. The
//     non-pooled group's consumer is made by the first Send to its subject
//     (the backlog), a pool's by its first listener (a new pool starts with
//     new notifications).
//   - AckWait is the lease.
//   - MaxDeliver is unlimited: the listener enforces MaxDeliveries itself
//     (a requeue of the last allowed delivery, or the first delivery past
//     it, which only a lease expiry produces, is dead-lettered), so a
//     message whose dead-letter publish fails is retried, never dropped by
//     the server.
//   - MaxAckPending caps the whole group (all members, delayed requeues
//     included); each listener's own bound is its Prefetch.
func (t *Transport) consumerConfig(pool string, k key, lease time.Duration) jetstream.ConsumerConfig {
	group := "the non-pooled group"
	if pool != "" {
		group = "pool " + pool
	}
	return jetstream.ConsumerConfig{
		Durable:       consumerName(pool, k),
		Description:   "hark: " + group + " on " + k.subject(),
		FilterSubject: k.subject(),
		DeliverPolicy: jetstream.DeliverNewPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       lease,
		MaxDeliver:    -1,
		MaxAckPending: t.cfg.maxAckPending,
	}
}

// ensureBacklog makes sure the non-pooled group's consumer for k exists
// before a message is published to k, as oslo's notifier declares the
// "<topic>.<priority>" queue: on an interest-retention stream a message
// nobody is interested in is not stored at all. An existing consumer is
// left as it is (a listener may have set its lease).
func (t *Transport) ensureBacklog(ctx context.Context, stream string, k key) error {
	cc := t.consumerConfig("", k, t.cfg.lease)
	return t.consumers.do(ctx, stream+"/"+cc.Durable, func(ctx context.Context) error {
		_, err := t.js.CreateConsumer(ctx, stream, cc)
		if err == nil || errors.Is(err, jetstream.ErrConsumerExists) {
			return nil
		}
		return fmt.Errorf("nats: create consumer %s on stream %s for the non-pooled backlog: %w", cc.Durable, stream, err)
	})
}

// ensureConsumer creates or updates the consumer of a listener's group on
// k with the listener's lease, and returns it. The lease is the
// consumer's, so members of a group should agree on it: the last one to
// start sets it. A consumer that cannot be updated (made by an operator
// with settings JetStream does not let change) is used as it is.
func (t *Transport) ensureConsumer(ctx context.Context, pool string, k key, lease time.Duration) (string, jetstream.Consumer, error) {
	stream, err := t.ensureStream(ctx, k.exchange)
	if err != nil {
		return "", nil, err
	}
	cc := t.consumerConfig(pool, k, lease)
	c, err := t.js.CreateOrUpdateConsumer(ctx, stream, cc)
	if err == nil {
		if pool == "" {
			// Send need not create it again.
			_ = t.consumers.do(ctx, stream+"/"+cc.Durable, func(context.Context) error { return nil })
		}
		return stream, c, nil
	}
	existing, gerr := t.js.Consumer(ctx, stream, cc.Durable)
	if gerr != nil {
		return "", nil, fmt.Errorf("nats: create consumer %s on stream %s: %w", cc.Durable, stream, err)
	}
	t.log.Warn("nats: using an existing consumer that could not be updated to this listener's settings",
		zap.String("stream", stream), zap.String("consumer", cc.Durable), zap.Error(err))
	return stream, existing, nil
}
