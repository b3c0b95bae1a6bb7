package rabbit

import (
	"context"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
)

// republish publishes a copy of the delivery for a requeue: straight to
// its queue through the default exchange (delay 0), or to the queue's
// retry queue for delay, which hands it back when the delay is over. The
// copy has the original body, properties (but user_id, which the broker
// checks against the publishing connection's user) and headers, plus the
// delivery count and first routing (x-hark-*) so that the count survives
// and the source stays what it was.
func (d *delivery) republish(ctx context.Context, delay time.Duration) error {
	t := d.sess.l.tr
	ex, key := routedBy(&d.raw)
	h := make(amqp.Table, len(d.raw.Headers)+3)
	for k, v := range d.raw.Headers {
		if !brokerHeader(k) {
			h[k] = v
		}
	}
	h[headerDeliveries] = int32(d.count)
	h[headerExchange] = ex
	h[headerRoutingKey] = key
	r := &d.raw
	o := outgoing{
		key: d.queue,
		msg: amqp.Publishing{
			Headers: h, ContentType: r.ContentType, ContentEncoding: r.ContentEncoding,
			DeliveryMode: r.DeliveryMode, Priority: r.Priority, CorrelationId: r.CorrelationId,
			ReplyTo: r.ReplyTo, Expiration: r.Expiration, MessageId: r.MessageId,
			Timestamp: r.Timestamp, Type: r.Type, AppId: r.AppId, Body: r.Body,
		},
	}
	if delay > 0 {
		if delay > maxDelay {
			d.owner.log.Warn("requeue delay capped", zap.Duration("delay", delay), zap.Duration("max", maxDelay))
			delay = maxDelay
		}
		rq := retryQueueName(d.queue, delay)
		o.key = rq
		// Declared before every publish: the declare also restarts the
		// retry queue's x-expires clock, so it cannot expire with the
		// message inside.
		o.prepare = func(dc *declarer) error {
			return dc.queue(rq, retryQueueArgs(d.queue, delay), t.cfg.durable(), false)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.cfg.publishTimeout)
		defer cancel()
	}
	return t.pub.publish(ctx, o)
}
