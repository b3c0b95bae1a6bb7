package transport

import (
	"maps"

	"github.com/harkmq/hark/target"
)

// Header holds message headers (AMQP application headers, NATS headers).
// Keys are case-sensitive as sent.
type Header map[string]string

// Clone returns a copy of h (nil for nil).
func (h Header) Clone() Header { return maps.Clone(h) }

// Message is a notification as it travels: the encoded body and headers,
// byte for byte. Drivers never re-encode a Message's body; that is what makes
// a dead-letter record replayable and a bridged notification byte-identical.
type Message struct {
	// ID identifies one send of a notification: its _unique_id (oslo's
	// per-send de-duplication key, kept across retries), or its message_id
	// when it has none. Drivers that de-duplicate on the broker (NATS
	// JetStream's Nats-Msg-Id) use it; it may be empty.
	ID string
	// Body is the encoded notification (an oslo v1 or v2 JSON body,
	// possibly compressed as the Header says).
	Body []byte
	// Header carries the message headers, e.g. "compression".
	Header Header
}

// Source says where a delivery came from: the target it was routed to, the
// priority of its routing key or subject, and the pool that received it.
type Source struct {
	// Target is the exchange and topic the message was sent to.
	Target target.Target
	// Priority is the priority of the routing key or subject. The dispatcher
	// routes by the priority in the body, as oslo does; this one is what the
	// broker routed by, and is what a dead-letter record keeps.
	Priority Priority
	// Pool is the listener's pool ("" for the non-pooled group).
	Pool string
}
