package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// Context is a request context as notifiers send it (oslo's ctxt).
type Context = map[string]any

// Notifier sends notifications, as oslo.messaging's Notifier does: each
// call builds one message (message_id, publisher_id, event_type, priority,
// payload, timestamp, context) and hands it to every driver in turn. Safe
// for concurrent use.
//
// Deviations from oslo, on purpose:
//   - A call returns what went wrong (joined on one line over the failing drivers,
//     each error naming its driver and, for the messaging drivers, its
//     topic), after retries; it is logged too. oslo logs and swallows every
//     error, so a caller cannot tell a notification was lost.
//   - With no WithDriverNames option the notifier sends with "messagingv2"; oslo's
//     default is no driver, which silently drops everything.
//   - The request context is sent as given (as oslo ≤ 14.3 does), not
//     filtered to oslo.context's whitelist nor dropped (oslo ≥ 14.4 / HEAD):
//     the caller decides what goes into it.
//   - Failures are logged without the payload, which may hold secrets
//     (oslo logs "Payload=...").
//   - Each attempt is bounded apart (WithAttemptTimeout, 10s), and an attempt
//     that timed out is retried like a lost connection, with the same
//     message (_unique_id and broker message ID), so a retry after an
//     attempt the broker did store is dropped as a duplicate: by NATS
//     JetStream within its duplicate window, by listeners on RabbitMQ.
type Notifier struct {
	core        *notifierCore
	publisherID string
	retry       int
}

// notifierCore is what a Notifier and the sub-notifiers Prepare makes share.
type notifierCore struct {
	drivers []namedDriver
	log     *zap.Logger
	test    *TestDriver
	enabled bool
}

// NewNotifier returns a notifier sending through tr. Options and their
// defaults are listed with NotifierOption's constructors: messagingv2 to
// topic "notifications" on tr's default exchange, retrying forever (bounded
// by each call's context), no publisher id. tr may be nil only if no
// messaging driver is used. Errors wrap ErrInvalidNotifierOption,
// ErrUnknownDriver, ErrRoutingConfig or target.ErrInvalidTarget.
func NewNotifier(tr transport.Transport, opts ...NotifierOption) (*Notifier, error) {
	o, err := buildNotifierOptions(opts)
	if err != nil {
		return nil, fmt.Errorf("new notifier: %w", err)
	}
	b := newDriverBuilder(tr, &o)
	core := &notifierCore{log: o.logger}
	for _, name := range o.driverNames {
		d, err := b.build(name)
		if err != nil {
			return nil, fmt.Errorf("new notifier: %w", err)
		}
		core.drivers = append(core.drivers, namedDriver{name: name, d: d})
	}
	for _, d := range o.customDrivers {
		core.drivers = append(core.drivers, namedDriver{name: driverLabel(d), d: d})
	}
	core.test = b.test
	core.enabled = !(len(core.drivers) == 1 && core.drivers[0].name == DriverNoop)
	return &Notifier{core: core, publisherID: o.publisherID, retry: o.retry}, nil
}

// Prepare returns a sub-notifier (oslo's prepare / _SubNotifier) that
// shares n's drivers, topics and logger and overrides the publisher id
// and/or the retry count; what is not overridden is inherited from n. n is
// not changed. Sub-notifiers can be prepared again.
func (n *Notifier) Prepare(opts ...PrepareOption) *Notifier {
	sub := *n
	for _, opt := range opts {
		if opt != nil {
			opt(&sub)
		}
	}
	return &sub
}

// Enabled reports whether notifications go anywhere: false only when the
// notifier's one driver is "noop" (oslo's is_enabled), so callers can skip
// building costly payloads.
func (n *Notifier) Enabled() bool { return n.core.enabled }

// PublisherID returns the publisher_id this notifier sends.
func (n *Notifier) PublisherID() string { return n.publisherID }

// TestDriver returns the driver loaded by WithDriverNames("test") (directly or
// through the routing config), or nil if there is none.
func (n *Notifier) TestDriver() *TestDriver { return n.core.test }

// Audit sends a notification with priority AUDIT. See Notify.
func (n *Notifier) Audit(ctx context.Context, nctx Context, eventType string, payload any) error {
	return n.Notify(ctx, transport.Audit, nctx, eventType, payload)
}

// Debug sends a notification with priority DEBUG. See Notify.
func (n *Notifier) Debug(ctx context.Context, nctx Context, eventType string, payload any) error {
	return n.Notify(ctx, transport.Debug, nctx, eventType, payload)
}

// Info sends a notification with priority INFO. See Notify.
func (n *Notifier) Info(ctx context.Context, nctx Context, eventType string, payload any) error {
	return n.Notify(ctx, transport.Info, nctx, eventType, payload)
}

// Warn sends a notification with priority WARN. See Notify.
func (n *Notifier) Warn(ctx context.Context, nctx Context, eventType string, payload any) error {
	return n.Notify(ctx, transport.Warn, nctx, eventType, payload)
}

// Warning is Warn (oslo's alias): it sends priority WARN, the only warning
// priority listeners know.
func (n *Notifier) Warning(ctx context.Context, nctx Context, eventType string, payload any) error {
	return n.Notify(ctx, transport.Warn, nctx, eventType, payload)
}

// Error sends a notification with priority ERROR. See Notify.
func (n *Notifier) Error(ctx context.Context, nctx Context, eventType string, payload any) error {
	return n.Notify(ctx, transport.Error, nctx, eventType, payload)
}

// Critical sends a notification with priority CRITICAL. See Notify.
func (n *Notifier) Critical(ctx context.Context, nctx Context, eventType string, payload any) error {
	return n.Notify(ctx, transport.Critical, nctx, eventType, payload)
}

// Sample sends a notification with priority SAMPLE. See Notify.
func (n *Notifier) Sample(ctx context.Context, nctx Context, eventType string, payload any) error {
	return n.Notify(ctx, transport.Sample, nctx, eventType, payload)
}

// Notify sends one notification with priority p to every driver, in the
// order they were configured, and returns once all have finished.
//
// nctx is the request context (oslo's ctxt); it travels with the message
// (flattened to "_context_<key>" fields by the messaging drivers, sorted by
// key unless WithContextKeys gives the order) and may be nil. payload is sent as JSON: a json.RawMessage or []byte is used as is
// and must be valid JSON as Python reads it (NaN, Infinity and -Infinity
// allowed; empty means null); anything else goes through json.Marshal,
// or, for values holding float NaN or Inf (which oslo's notifier sends),
// is written as Python's json.dumps writes it. A bad payload or priority is an error wrapping
// ErrInvalidPayload or ErrInvalidPriority, and nothing is sent.
//
// Each driver retries as the notifier's WithRetry says, within ctx. The error
// joins every driver's failure, naming the driver (and topic); drivers that
// succeeded have delivered even when an error is returned. Failures are
// logged as well.
func (n *Notifier) Notify(ctx context.Context, p transport.Priority, nctx Context, eventType string, payload any, opts ...SendOption) error {
	var o sendOptions
	for _, opt := range opts {
		opt(&o)
	}
	prio, ok := transport.ParsePriority(string(p))
	if !ok {
		return fmt.Errorf("notify %q: %w %q (valid: audit, debug, info, warn, error, critical, sample)", eventType, ErrInvalidPriority, string(p))
	}
	raw, err := encodePayload(eventType, payload)
	if err != nil {
		return err
	}
	m := &oslo.OsloMessage{
		MessageID:   oslo.NewMessageID(),
		PublisherID: n.publisherID,
		EventType:   eventType,
		Priority:    prio.Upper(),
		Payload:     raw,
		Timestamp:   oslo.FormatTimestamp(time.Now().UTC()),
		Context:     nctx,
		ContextKeys: o.contextKeys,
	}
	var errs []error
	for _, d := range n.core.drivers {
		if err := d.d.Notify(ctx, m, prio, n.retry); err != nil {
			n.core.log.Error("could not send notification",
				zap.String("driver", d.name),
				zap.String("event_type", eventType),
				zap.String("priority", string(prio)),
				zap.String("message_id", m.MessageID),
				zap.String("publisher_id", n.publisherID),
				zap.Error(err))
			errs = append(errs, fmt.Errorf("driver %s: %w", d.name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("notify %s %q (message_id %s): %w", prio, eventType, m.MessageID, transport.JoinErrors(errs...))
	}
	return nil
}

// encodePayload returns payload as JSON; see Notify.
func encodePayload(eventType string, payload any) (json.RawMessage, error) {
	var raw []byte
	switch v := payload.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	default:
		b, err := json.Marshal(payload)
		var unsupported *json.UnsupportedValueError
		if errors.As(err, &unsupported) {
			// NaN or Inf: oslo's notifier (json.dumps) writes them, so
			// hark writes them the same way where it can.
			b, err = oslo.EncodeJSON(payload)
		}
		if err != nil {
			return nil, fmt.Errorf("notify %q: %w: %w", eventType, ErrInvalidPayload, err)
		}
		return b, nil
	}
	if len(raw) == 0 {
		return json.RawMessage("null"), nil
	}
	if !oslo.ValidJSON(raw) {
		return nil, fmt.Errorf("notify %q: %w: raw payload is not valid JSON", eventType, ErrInvalidPayload)
	}
	return raw, nil
}
