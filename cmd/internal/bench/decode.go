package bench

import (
	"encoding/json"
	"fmt"
	"strings"
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

// receiveFunc is a bare baseline's work on a body before it acks it. It
// returns the notification's send time when t keeps latencies (the zero
// time otherwise).
type receiveFunc func(t *tally, body []byte) (time.Time, error)

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

// bareReceive is the "bare" baselines' work: the full decode.
func bareReceive(t *tally, body []byte) (time.Time, error) {
	ts, err := bareDecode(body)
	if err != nil || t.lat == nil {
		return time.Time{}, err
	}
	return parseTimestamp(ts), nil
}

// envelopeReceive is the "bare-envelope" baselines' work: the oslo v2
// envelope alone is decoded with encoding/json, the message it carries
// stays a string. When latencies are kept, the timestamp is then found
// in that string by a plain search, which is the benchmark's own
// bookkeeping and not a decode (it costs a fraction of one).
func envelopeReceive(t *tally, body []byte) (time.Time, error) {
	var env bareEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return time.Time{}, fmt.Errorf("bench: decode the oslo envelope: %w", err)
	}
	if t.lat == nil {
		return time.Time{}, nil
	}
	return parseTimestamp(findTimestamp(env.Message)), nil
}

// findTimestamp returns the value of the first "timestamp" key of the
// JSON object msg ("" when there is none): the benchmark's notifications
// carry no other key of that name.
func findTimestamp(msg string) string {
	_, rest, ok := strings.Cut(msg, `"timestamp"`)
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, " :")
	rest, ok = strings.CutPrefix(rest, `"`)
	if !ok {
		return ""
	}
	ts, _, _ := strings.Cut(rest, `"`)
	return ts
}
