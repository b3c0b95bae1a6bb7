package rabbit

import (
	"context"
	"fmt"
	"time"

	"github.com/harkmq/hark/transport"
)

// deadLetter sends the delivery's dead-letter record and acknowledges it.
// The record goes to the listener's dead-letter target (its
// DeadLetterTopic, or "<source topic>.dlq", on the source exchange) with
// the source priority, through Send's path without compression: the
// publisher declares "<dlq topic>.<priority>", so records wait there until
// someone reads them. A message whose routing key names no priority is
// recorded under info.
func (d *delivery) deadLetter(ctx context.Context, info transport.DeadLetterInfo) error {
	rec := transport.DeadLetter{
		Original:   d.msg,
		Info:       info,
		Deliveries: d.count,
		Source:     d.src,
		Time:       time.Now(),
	}.Message()
	prio := d.src.Priority
	if !prio.Valid() {
		prio = transport.Info
	}
	dst := d.owner.cfg.DeadLetterTarget(d.src.Target)
	if err := d.owner.tr.send(ctx, dst, prio, rec, toTable(rec.Header)); err != nil {
		d.abort()
		return fmt.Errorf("rabbit: dead-letter to %s: %w", dst, err)
	}
	return d.finish(d.sess.acks.ack(d.raw.DeliveryTag), "acknowledge the dead-lettered original")
}
