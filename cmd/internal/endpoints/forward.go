package endpoints

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// forwardEndpoint republishes notifications to another exchange/topic, on
// the listener's transport or its own (a bridge: RabbitMQ, NATS and Kafka
// in any direction). The message goes out exactly as it came in, body and
// headers byte for byte (Notification.Raw), so message_id and _unique_id
// are kept, wherever the layout of the body is the one the destination's
// oslo peers read (transport.DialectOf):
//
//   - RabbitMQ ↔ NATS, Kafka → Kafka: byte for byte.
//   - Kafka → RabbitMQ or NATS: oslo's rabbit listener reads the context
//     only from flattened "_context_*" keys, and a kafka body has it
//     nested. The copy is re-encoded in the AMQP layout: the same
//     message_id, payload (bytes kept), timestamp and context (in its
//     order), plus a _unique_id derived from the message_id and the source
//     topic, so that a retried or redelivered forward repeats the same one
//     and the destination's de-duplication holds.
//   - RabbitMQ or NATS → Kafka: oslo's kafka listener fails (KeyError
//     '_context') on a flattened body and reads no compression header. The
//     copy is re-encoded in the kafka layout, uncompressed, without
//     _unique_id (oslo's kafka layout has none), with the context as hark's
//     listener decoded it (oslo's rabbit rewrites applied: msg_id and
//     reply_q dropped, _timeout as client_timeout).
//
// A re-encoded copy keeps the fields an OsloMessage holds; other top-level
// keys of the original are not copied. Dead letters are unaffected: a
// notification the forward cannot deliver is dead-lettered by the
// listener with its original bytes.
//
// The result is HANDLED only once the destination broker confirmed the
// publish (Transport.Send returns after the publisher confirm or
// JetStream ack). A failed attempt is retried with the same message, as
// hark notify does (transport.SendRetrying), within the endpoint's
// timeout; when that runs out the notification is requeued, never
// dropped.
type forwardEndpoint struct {
	o    config.ForwardOptions
	dest target.Target
	deps Deps
	log  *zap.Logger

	mu  sync.Mutex
	tr  transport.Transport // nil until first use when own
	own bool
}

func newForward(o config.ForwardOptions, d Deps, log *zap.Logger) (*forwardEndpoint, error) {
	f := &forwardEndpoint{o: o, dest: target.Target{Exchange: o.Exchange, Topic: o.Topic}, deps: d, log: log}
	if o.TransportURL == "" {
		if d.Transport == nil {
			return nil, errors.New("forward: no transport to publish on")
		}
		f.tr = d.Transport
	} else {
		f.own = true
	}
	return f, nil
}

// transport returns the destination transport, opening our own on first
// use: a destination broker that is down at startup must not keep harkd
// from consuming; its notifications requeue until it is back.
func (f *forwardEndpoint) transport(ctx context.Context) (transport.Transport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tr != nil {
		return f.tr, nil
	}
	tr, err := f.deps.OpenTransport(ctx, f.o.TransportURL, f.log)
	if err != nil {
		return nil, fmt.Errorf("forward: %w", err)
	}
	f.tr = tr
	return tr, nil
}

func (f *forwardEndpoint) Handle(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	tr, err := f.transport(ctx)
	if err != nil {
		return dispatcher.RequeueWith(err)
	}
	msg, err := f.message(n, transport.DialectOf(tr))
	if err != nil {
		return dispatcher.Reject(err)
	}
	timeout := f.o.Timeout.D()
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Attempts short enough that at least one retry fits the timeout.
	policy := transport.RetryPolicy{AttemptTimeout: min(transport.DefaultAttemptTimeout, timeout/2)}
	err = transport.SendRetrying(sctx, tr, f.dest, n.Priority, msg, policy, func(ri transport.RetryInfo) {
		f.log.Debug("forward: publish failed; retrying", zap.Stringer("to", f.dest), zap.String("message_id", n.Metadata.MessageID),
			zap.Int("attempt", ri.Attempt), zap.Duration("backoff", ri.Wait), zap.Error(ri.Err))
	})
	if err != nil {
		if errors.Is(err, target.ErrInvalidTarget) || errors.Is(err, transport.ErrInvalidConfig) {
			return dispatcher.Reject(fmt.Errorf("forward to %s: %w", f.dest, err))
		}
		return dispatcher.RequeueWith(fmt.Errorf("forward to %s: %w", f.dest, err))
	}
	return dispatcher.Handled
}

// message is the message to send for n to a destination whose oslo peers
// read dest: the original, byte for byte, with its ID, so a forward
// retried after a lost confirm is stored once (a copy to another topic of
// the same NATS exchange is not taken for a duplicate of the original: the
// driver de-duplicates per destination); or, when the original's layout is
// not dest's, the same notification re-encoded in dest (see
// forwardEndpoint), the same bytes on every retry.
func (f *forwardEndpoint) message(n *dispatcher.Notification, dest transport.Dialect) (transport.Message, error) {
	raw := n.Raw()
	if len(raw.Body) == 0 {
		return transport.Message{}, fmt.Errorf("forward: notification %s has no raw message (not received by a listener)", n.Metadata.MessageID)
	}
	orig := transport.Message{ID: raw.ID, Body: raw.Body, Header: raw.Header.Clone()}
	return reencodeFor(orig, n.Source(), n.Dialect(), dest)
}

func (f *forwardEndpoint) HandleBatch(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	// One by one: a failure requeues the whole group, and the ones already
	// sent are sent again on redelivery under the same ID (de-duplicated
	// by NATS JetStream; duplicates on RabbitMQ, which is at least once).
	for _, n := range ns {
		if r := f.Handle(ctx, n); r.Action() != dispatcher.Handled.Action() {
			return r
		}
	}
	return dispatcher.Handled
}

func (f *forwardEndpoint) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.own && f.tr != nil {
		err := f.tr.Close()
		f.tr = nil
		return err
	}
	return nil
}
