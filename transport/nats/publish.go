package nats

import (
	"context"
	"errors"
	"fmt"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// publish stores m on k's subject in the exchange's stream and waits for
// the stream's ack. msgID is the Nats-Msg-Id the stream de-duplicates on
// ("" for none).
func (t *Transport) publish(ctx context.Context, k key, m transport.Message, msgID string) error {
	t.checkReconnects()
	stream, err := t.ensureStream(ctx, k.exchange)
	if err != nil {
		return fmt.Errorf("nats: send to %s: %w", k.subject(), err)
	}
	nm := &natsgo.Msg{Subject: k.subject(), Header: encodeHeader(m, msgID, k.subject()), Data: m.Body}
	// The expected stream makes the server refuse, rather than store
	// elsewhere, a subject some other stream captures.
	ack, err := t.js.PublishMsg(ctx, nm, jetstream.WithExpectStream(stream))
	if err != nil {
		return t.publishError(ctx, stream, k, err)
	}
	if ack.Duplicate {
		t.log.Debug("nats: duplicate message ID; the stream kept the first copy",
			zap.String("subject", k.subject()), zap.String("message_id", msgID), zap.Uint64("seq", ack.Sequence))
	}
	return nil
}

// publishError turns a failed publish into an error that says what to do.
func (t *Transport) publishError(ctx context.Context, stream string, k key, err error) error {
	subj := k.subject()
	switch {
	case ctx.Err() != nil:
		// A lost ack: the stream may have the message. Retryable; a retry
		// with the same message ID is stored once.
		return fmt.Errorf("nats: send to %s: no ack from stream %s in time: %w (%v)", subj, stream, ctx.Err(), err)
	case errors.Is(err, natsgo.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse):
		// The stream is gone (deleted, or a server without its store):
		// make it again on the next Send.
		t.streams.reset()
		return fmt.Errorf("nats: send to %s: no stream answered (JetStream unavailable, or stream %s deleted); retry: %w", subj, stream, err)
	case errors.Is(err, natsgo.ErrConnectionClosed):
		return fmt.Errorf("nats: send to %s: %w: %w", subj, transport.ErrClosed, err)
	}
	return fmt.Errorf("nats: send to %s: stream %s: %w", subj, stream, err)
}

// publishCore publishes on core NATS and flushes, so the server has the
// message (or the connection failed) when it returns. There is no ack: a
// message for which no subscriber exists is gone.
func (t *Transport) publishCore(ctx context.Context, k key, m transport.Message) error {
	nm := &natsgo.Msg{Subject: k.subject(), Header: encodeHeader(m, "", k.subject()), Data: m.Body}
	if err := t.nc.PublishMsg(nm); err != nil {
		if errors.Is(err, natsgo.ErrConnectionClosed) {
			return fmt.Errorf("nats: send to %s: %w: %w", k.subject(), transport.ErrClosed, err)
		}
		return fmt.Errorf("nats: send to %s: %w", k.subject(), err)
	}
	if err := t.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("nats: send to %s: flush: %w", k.subject(), err)
	}
	return nil
}

// publishDeadLetter sends the dead-letter record of orig, which came from
// src, to the listener's dead-letter target with the source priority. The
// record keeps orig's ID but is de-duplicated on recordID, which names the
// dead-lettering (stream, consumer, sequence): the original, in the same
// stream, has the same ID, and a record re-sent after a lost Term is
// dropped as a duplicate.
func (t *Transport) publishDeadLetter(ctx context.Context, dst target.Target, src transport.Source, orig transport.Message, deliveries int, info transport.DeadLetterInfo, recordID string) error {
	rec := transport.DeadLetter{
		Original:   orig,
		Info:       info,
		Deliveries: deliveries,
		Source:     src,
		Time:       time.Now(),
	}.Message()
	k := key{exchange: dst.Exchange, topic: dst.Topic, priority: src.Priority}
	// Retried until ctx ends, each attempt bounded by the publish timeout,
	// under the record's own ID: a record stored by an attempt whose ack
	// was lost is stored once.
	policy := transport.RetryPolicy{AttemptTimeout: t.cfg.publishTimeout}
	err := transport.Retry(ctx, policy, func(ctx context.Context) error { return t.publish(ctx, k, rec, recordID) }, func(ri transport.RetryInfo) {
		t.log.Warn("nats: writing a dead-letter record failed; retrying", zap.String("message_id", orig.ID),
			zap.Int("attempt", ri.Attempt), zap.Duration("backoff", ri.Wait), zap.Error(ri.Err))
	})
	if err != nil {
		return fmt.Errorf("dead-letter to %s: %w", dst, err)
	}
	t.log.Debug("nats: dead-lettered", zap.String("message_id", orig.ID), zap.String("reason", info.Reason),
		zap.Int("deliveries", deliveries), zap.String("to", k.subject()), zap.String("pool", src.Pool))
	return nil
}
