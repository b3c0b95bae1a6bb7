package dispatcher

import (
	"bytes"
	"encoding/json"
)

// Match reports whether n passes the filter. n must not be nil.
//
// As in oslo, every configured check must pass:
//   - PublisherID and EventType: the pattern matches the field.
//   - Context, Metadata, Payload: for each key, the key is present and its
//     value is a string the pattern matches. A missing key, or a value that
//     is null, a number, a bool, an object or an array, does not match
//     ({"n": 1} does not match "1"). Metadata has exactly two keys,
//     "message_id" and "timestamp" (as sent).
//
// The payload is decoded (its top level only) when a payload pattern is
// set. A payload that is not a JSON object (null, a string, a list, invalid
// JSON) does not match a payload pattern; oslo raises there instead, which
// requeues the notification forever.
func (f *Filter) Match(n *Notification) bool {
	var p payloadFields
	return f.match(n, &p)
}

// match is Match with the payload's top level decoded at most once per p, so
// a dispatcher decodes it once per notification however many endpoints
// filter on it.
func (f *Filter) match(n *Notification, p *payloadFields) bool {
	if f == nil {
		return true
	}
	if f.publisherID != nil && !f.publisherID.MatchString(n.PublisherID) {
		return false
	}
	if f.eventType != nil && !f.eventType.MatchString(n.EventType) {
		return false
	}
	for _, kp := range f.context {
		s, ok := n.Context[kp.key].(string)
		if !ok || !kp.re.MatchString(s) {
			return false
		}
	}
	for _, kp := range f.metadata {
		var s string
		switch kp.key {
		case "message_id":
			s = n.Metadata.MessageID
		case "timestamp":
			s = n.Metadata.Timestamp
		default:
			return false
		}
		if !kp.re.MatchString(s) {
			return false
		}
	}
	if len(f.payload) == 0 {
		return true
	}
	fields, ok := p.decode(n.Payload)
	if !ok {
		return false
	}
	for _, kp := range f.payload {
		s, ok := stringValue(fields[kp.key])
		if !ok || !kp.re.MatchString(s) {
			return false
		}
	}
	return true
}

// payloadFields is a payload's top level, decoded on first use.
type payloadFields struct {
	done   bool
	ok     bool // the payload is a JSON object
	fields map[string]json.RawMessage
}

func (p *payloadFields) decode(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if !p.done {
		p.done = true
		trimmed := bytes.TrimLeft(raw, " \t\r\n")
		if len(trimmed) > 0 && trimmed[0] == '{' {
			p.ok = json.Unmarshal(trimmed, &p.fields) == nil
		}
	}
	return p.fields, p.ok
}

// stringValue returns the string a raw JSON value holds; ok is false when it
// is absent or not a JSON string.
func stringValue(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
