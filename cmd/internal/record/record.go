// Package record holds the JSON shape of a notification that harkd's file
// endpoint writes and hark tail prints, so tools reading one read the other.
package record

import (
	"encoding/json"

	"github.com/harkmq/hark/dispatcher"
)

// Notification is a notification as one JSON object with exactly the keys
// priority, event_type, publisher_id, payload, context and metadata
// (message_id, timestamp as sent, deliveries). The key set is a contract:
// users and acceptance checks parse these lines.
type Notification struct {
	Priority    string              `json:"priority"`
	EventType   string              `json:"event_type"`
	PublisherID string              `json:"publisher_id"`
	Payload     json.RawMessage     `json:"payload"`
	Context     map[string]any      `json:"context"`
	Metadata    dispatcher.Metadata `json:"metadata"`
}

// FromNotification returns n's record. Payload and Context are shared, not
// copied.
func FromNotification(n *dispatcher.Notification) Notification {
	ctx := n.Context
	if ctx == nil {
		ctx = map[string]any{}
	}
	payload := n.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("null")
	}
	return Notification{
		Priority:    string(n.Priority),
		EventType:   n.EventType,
		PublisherID: n.PublisherID,
		Payload:     payload,
		Context:     ctx,
		Metadata:    n.Metadata,
	}
}

// FromNotifications returns the records of a batch, in order (what batch
// endpoints send as one JSON array).
func FromNotifications(ns []*dispatcher.Notification) []Notification {
	recs := make([]Notification, len(ns))
	for i, n := range ns {
		recs[i] = FromNotification(n)
	}
	return recs
}

// Marshal returns n's record as compact JSON without a trailing newline.
// HTML characters are not escaped: payloads are data, so "<" stays "<".
func Marshal(n *dispatcher.Notification) ([]byte, error) {
	return MarshalRecord(FromNotification(n))
}
