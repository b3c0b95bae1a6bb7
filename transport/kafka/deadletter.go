package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/transport"
)

// deadLetter writes d's dead-letter record to the listener's dead-letter
// topic with the source priority and settles d once the broker stored
// it. d is settling.
func (d *delivery) deadLetter(ctx context.Context, info transport.DeadLetterInfo) error {
	l := d.l
	rec := transport.DeadLetter{Original: d.msg, Info: info, Deliveries: d.count, Source: d.src, Time: time.Now()}.Message()
	dlq := l.cfg.DeadLetterTarget(d.src.Target)
	kr := &kgo.Record{Topic: l.tr.topic(dlq.Topic, d.src.Priority), Value: rec.Body, Headers: recordHeaders(rec, 0)}
	if err := l.tr.produceRetrying(ctx, kr); err != nil {
		d.abort()
		return fmt.Errorf("kafka: dead-letter to %s: %w", kr.Topic, err)
	}
	d.finish()
	return nil
}
