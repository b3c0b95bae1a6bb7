package bench

import (
	"encoding/json"
	"fmt"
	"time"
)

// bareEnvelope and bareNotification are what a Go program written
// against a bare client would decode an oslo v2 notification into with
// encoding/json: the envelope, then the message it carries as a string.
type bareEnvelope struct {
	Version string `json:"oslo.version"`
	Message string `json:"oslo.message"`
}

type bareNotification struct {
	MessageID   string          `json:"message_id"`
	PublisherID string          `json:"publisher_id"`
	EventType   string          `json:"event_type"`
	Priority    string          `json:"priority"`
	Timestamp   string          `json:"timestamp"`
	UniqueID    string          `json:"_unique_id"`
	Payload     json.RawMessage `json:"payload"`
}

// bareDecode is the bare baselines' decode: the envelope, then the
// notification in it. It returns the notification's timestamp.
func bareDecode(body []byte) (string, error) {
	var env bareEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("bench: decode the oslo envelope: %w", err)
	}
	var n bareNotification
	if err := json.Unmarshal([]byte(env.Message), &n); err != nil {
		return "", fmt.Errorf("bench: decode the oslo message: %w", err)
	}
	return n.Timestamp, nil
}

// bareReceive is the bare baselines' work on a body before they ack it:
// the decode, and the send time t keeps latencies by (zero when it keeps
// none).
func bareReceive(t *tally, body []byte) (time.Time, error) {
	ts, err := bareDecode(body)
	if err != nil || t.lat == nil {
		return time.Time{}, err
	}
	return parseTimestamp(ts), nil
}
