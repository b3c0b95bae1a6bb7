package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// Send produces msg as oslo's kafka notifier does: to topic
// "<topic>.<priority>[.<vhost>]", with no key, msg.Body as the value and
// msg.Header as record headers (a notification from hark's notifier has
// none, as oslo's has none; see recordHeaders for the ID). The producer is
// idempotent and waits for every in-sync replica (acks=all), and Send
// returns once the broker acknowledged the record, or with an error the
// caller can act on: one that transport.Retryable refuses (a record too
// large, a refused authorization, an invalid topic name) is wrapped with
// transport.Permanent. A topic that does not exist is created by the
// broker when it allows it (auto.create.topics.enable), as with oslo. A
// context without a deadline is bounded by the publish timeout.
func (t *Transport) Send(ctx context.Context, tg target.Target, p transport.Priority, msg transport.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tg.ValidateSend(); err != nil {
		return fmt.Errorf("kafka: send: %w", err)
	}
	if !p.Valid() {
		return fmt.Errorf("kafka: send: %w: unknown priority %q (valid: audit, debug, info, warn, error, critical, sample)", transport.ErrInvalidConfig, p)
	}
	name := t.topic(tg.Topic, p)
	if err := checkTopic(name); err != nil {
		return fmt.Errorf("kafka: send: %w", err)
	}
	// A copy: when ctx ends first, the client may still write the record
	// after Send returned, and the caller may reuse its buffer by then.
	rec := &kgo.Record{Topic: name, Value: bytes.Clone(msg.Body), Headers: recordHeaders(msg, 0)}
	if err := t.produce(ctx, rec); err != nil {
		return fmt.Errorf("kafka: send to %s: %w", rec.Topic, err)
	}
	return nil
}

// produce produces rec and waits for the broker's acknowledgement.
func (t *Transport) produce(ctx context.Context, rec *kgo.Record) error {
	if t.listeners.Closed() {
		return transport.ErrClosed
	}
	return t.produceClosing(ctx, rec)
}

// produceClosing is produce for a listener that gives its deliveries back
// while the transport closes (Transport.Close closes the send client
// after its listeners).
func (t *Transport) produceClosing(ctx context.Context, rec *kgo.Record) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.cfg.publishTimeout)
		defer cancel()
	}
	return classify(t.prod.ProduceSync(ctx, rec).FirstErr())
}

// produceRetrying produces rec with the transport's retry policy (for
// requeued copies and dead-letter records: the original is settled only
// once one attempt succeeded).
func (t *Transport) produceRetrying(ctx context.Context, rec *kgo.Record) error {
	return transport.Retry(ctx, t.cfg.retry, func(ctx context.Context) error {
		r := *rec // a record is owned by the client while it is produced
		return t.produce(ctx, &r)
	}, nil)
}

// classify maps a franz-go error to hark's: a closed client is
// transport.ErrClosed, a refused login transport.ErrCredentialsRefused,
// and a broker error Kafka marks not retriable is transport.Permanent.
// Context errors and the rest stay as they are (retryable).
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ke *kerr.Error
	switch {
	case errors.Is(err, kgo.ErrClientClosed):
		return fmt.Errorf("%w: %w", transport.ErrClosed, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.IllegalSaslState),
		errors.Is(err, kerr.UnsupportedSaslMechanism):
		return transport.Permanent(fmt.Errorf("%w: %w", transport.ErrCredentialsRefused, err))
	case errors.As(err, &ke) && !ke.Retriable:
		return transport.Permanent(err)
	}
	return err
}
