package dispatcher

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// Notification is one notification as endpoints see it.
type Notification struct {
	// Context is the request context the notifier sent (oslo's ctxt),
	// never nil.
	Context map[string]any
	// PublisherID is who sent it, e.g. "compute.host1".
	PublisherID string
	// EventType is what happened, e.g. "compute.instance.create.end".
	EventType string
	// Priority is the priority from the message body, lower-cased as oslo
	// does (Python's str.lower: "İNFO" is "i̇nfo", unknown). It may be
	// a value that is not one of the seven priorities; the dispatcher acks
	// those with a warning, as oslo does.
	Priority transport.Priority
	// Payload is the payload as raw JSON, as the notifier wrote it (so it
	// may hold Python's NaN, Infinity and -Infinity); Decode unmarshals it.
	Payload json.RawMessage
	// Metadata carries the message id, timestamp and delivery count.
	Metadata Metadata

	lease   Lease
	raw     transport.Message
	source  transport.Source
	dialect transport.Dialect
}

// Metadata is what oslo passes as metadata, plus the delivery count.
type Metadata struct {
	// MessageID is the notification's message_id.
	MessageID string `json:"message_id"`
	// Timestamp is the timestamp exactly as the notifier sent it.
	Timestamp string `json:"timestamp"`
	// Deliveries is 1 on the first delivery and rises on each redelivery.
	Deliveries int `json:"deliveries"`
}

// Lease is what can extend a delivery's lease; a transport.Delivery is one.
type Lease interface {
	Extend(ctx context.Context) error
}

// FromOslo builds a Notification from a decoded wire message. deliveries is
// the delivery count; lease (may be nil) backs Notification.Extend.
func FromOslo(m *oslo.OsloMessage, deliveries int, lease Lease) *Notification {
	p, _ := transport.ParsePriority(m.Priority)
	ctx := m.Context
	if ctx == nil {
		ctx = map[string]any{}
	}
	payload := m.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("null")
	}
	return &Notification{
		Context:     ctx,
		PublisherID: m.PublisherID,
		EventType:   m.EventType,
		Priority:    p,
		Payload:     payload,
		Metadata:    Metadata{MessageID: m.MessageID, Timestamp: m.Timestamp, Deliveries: deliveries},
		lease:       lease,
		dialect:     m.Dialect,
	}
}

// Received is what a listener knows about the delivery a notification
// came in.
type Received struct {
	// Message is the message exactly as received (body and headers).
	Message transport.Message
	// Source is the target, routing priority and pool it came through.
	Source transport.Source
	// Deliveries is the delivery count, 1 on the first delivery.
	Deliveries int
	// Lease backs Notification.Extend; may be nil.
	Lease Lease
}

// FromReceived builds a Notification from a decoded wire message and the
// delivery it came in, so Raw and Source can return them.
func FromReceived(m *oslo.OsloMessage, r Received) *Notification {
	n := FromOslo(m, r.Deliveries, r.Lease)
	n.raw = r.Message
	n.source = r.Source
	return n
}

// Raw returns the message exactly as received (body and headers, byte for
// byte), e.g. to forward it unchanged. It is the zero Message for a
// notification not built by a listener. Callers must not modify the body.
func (n *Notification) Raw() transport.Message { return n.raw }

// Dialect returns the layout the notification's body had on the wire
// (flattened or nested context), so that a bridge can tell whether the
// raw body suits a destination without decoding it again.
func (n *Notification) Dialect() transport.Dialect { return n.dialect }

// Source returns the target, routing priority and pool the notification
// came through (zero for a notification not built by a listener).
func (n *Notification) Source() transport.Source { return n.source }

// Decode unmarshals the payload into v as json.Unmarshal does. A payload
// holding NaN, Infinity or -Infinity (Python's json.dumps writes them for
// non-finite floats, and oslo listeners accept them) decodes into *any,
// *map[string]any, *[]any or *float64 with those numbers as float64 NaN
// and ±Inf; decoding it into a struct is an error wrapping
// oslo.ErrNonFinite (read Payload, or decode into a map, instead).
func (n *Notification) Decode(v any) error {
	if err := oslo.Unmarshal(n.Payload, v); err != nil {
		return fmt.Errorf("decode payload of %s %s: %w", n.EventType, n.Metadata.MessageID, err)
	}
	return nil
}

// Extend renews the delivery's lease so a long handler does not see its
// notification redelivered elsewhere. It returns nil when the notification
// has no lease (built by hand, or a transport without leases), and the
// transport's error (e.g. transport.ErrLeaseExpired) otherwise.
func (n *Notification) Extend(ctx context.Context) error {
	if n.lease == nil {
		return nil
	}
	return n.lease.Extend(ctx)
}
