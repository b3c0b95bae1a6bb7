package oslo

import (
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/harkmq/hark/transport"
)

// Envelope keys of oslo.messaging's v2 format (_drivers/common.py).
const (
	envelopeVersionKey = "oslo.version"
	envelopeMessageKey = "oslo.message"
	envelopeVersion    = "2.0"
	contextPrefix      = "_context_"
	nestedContextKey   = "_context"
	uniqueIDKey        = "_unique_id"
	rpcTimeoutKey      = "_timeout"
)

// NewMessageID returns a message_id as oslo makes it: a random (version 4)
// UUID in its 36-character dashed form, str(uuid.uuid4()).
func NewMessageID() string { return uuid.NewString() }

// NewUniqueID returns a _unique_id as oslo makes it: a random (version 4)
// UUID as 32 lower-case hex digits, uuid.uuid4().hex.
func NewUniqueID() string {
	u := uuid.New()
	return hex.EncodeToString(u[:])
}

// FormatTimestamp formats t as oslo's notifier does: str() of a naive UTC
// datetime, "2006-01-02 15:04:05.000000" (microseconds, truncated), without
// the fraction when the microseconds are zero.
func FormatTimestamp(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format(time.DateTime)
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// EncodeNotification encodes m as oslo.messaging's driver for o.Dialect
// does, byte for byte as Python's json.dumps writes it.
//
// DialectAMQP (oslo's rabbit driver): the inner object has the keys
// message_id, publisher_id (null when empty), event_type, priority,
// payload (m.Payload re-emitted with its key order and number text kept;
// null when empty), timestamp, _unique_id (when set) and one
// "_context_<key>" per context key, in m.ContextKeys' order, then sorted.
// Version 2 (the default) wraps it in {"oslo.version": "2.0",
// "oslo.message": "<inner as a JSON string>"}; version 1 sends the inner
// object as the body. With compression, the body is compressed as kombu
// does and the "compression" header names the format; otherwise Header is
// nil.
//
// DialectKafka (oslo's kafka driver, pack_message then
// jsonutils.dumps(serialize_msg(msg))): the same members up to timestamp,
// no _unique_id, then "_context": {<the context keys in the same order>},
// always in the v2 envelope and never compressed (see EncodeOptions).
//
// The returned message's ID is m.UniqueID when it is written, m.MessageID
// otherwise. Errors wrap transport.ErrEncode.
func EncodeNotification(m *OsloMessage, o EncodeOptions) (transport.Message, error) {
	if m == nil {
		return transport.Message{}, fmt.Errorf("%w: nil message", transport.ErrEncode)
	}
	version := o.Version
	if version == 0 {
		version = 2
	}
	if version != 1 && version != 2 {
		return transport.Message{}, fmt.Errorf("%w: unknown version %d (valid: 1 for oslo's messaging driver, 2 for messagingv2)", transport.ErrEncode, o.Version)
	}
	kafka := false
	switch o.Dialect {
	case transport.DialectAMQP:
	case transport.DialectKafka:
		if o.Compression != "" {
			return transport.Message{}, fmt.Errorf("%w: compression %q is not written on kafka: oslo's kafka listener reads no compression header (the broker compresses records: set compression_codec in the transport URL)", transport.ErrEncode, o.Compression)
		}
		// oslo's kafka driver envelopes whatever version the notifier
		// asked for (send_notification ignores it).
		kafka, version = true, 2
	default:
		return transport.Message{}, fmt.Errorf("%w: unknown dialect %v (valid: amqp, kafka)", transport.ErrEncode, o.Dialect)
	}
	contentType, err := CompressionContentType(o.Compression)
	if err != nil {
		return transport.Message{}, fmt.Errorf("%w: %w", transport.ErrEncode, err)
	}

	inner, err := appendInner(make([]byte, 0, 512+len(m.Payload)), m, kafka)
	if err != nil {
		return transport.Message{}, fmt.Errorf("%w: %w", transport.ErrEncode, err)
	}
	body := inner
	if version == 2 {
		body = make([]byte, 0, len(inner)+len(inner)/8+48)
		body = append(body, `{"oslo.version": "2.0", "oslo.message": `...)
		// inner is ASCII, so this only escapes its quotes and backslashes.
		body = appendPyString(body, string(inner))
		body = append(body, '}')
	}

	// The broker-side de-duplication key is the per-send _unique_id, not
	// message_id: one notification sent to several topics (or by two
	// drivers) shares its message_id, and each copy must survive.
	id := m.UniqueID
	if id == "" || kafka {
		id = m.MessageID
	}
	msg := transport.Message{ID: id, Body: body}
	if contentType != "" {
		if msg.Body, err = CompressBody(contentType, body); err != nil {
			return transport.Message{}, fmt.Errorf("%w: %w", transport.ErrEncode, err)
		}
		msg.Header = transport.Header{HeaderCompression: contentType}
	}
	return msg, nil
}

// appendInner appends the inner notification object in Python style, with
// the context nested (kafka) or flattened.
func appendInner(dst []byte, m *OsloMessage, kafka bool) ([]byte, error) {
	dst = append(dst, `{"message_id": `...)
	dst = appendPyString(dst, m.MessageID)
	dst = append(dst, `, "publisher_id": `...)
	if m.PublisherID == "" {
		dst = append(dst, "null"...)
	} else {
		dst = appendPyString(dst, m.PublisherID)
	}
	dst = append(dst, `, "event_type": `...)
	dst = appendPyString(dst, m.EventType)
	dst = append(dst, `, "priority": `...)
	dst = appendPyString(dst, m.Priority)
	dst = append(dst, `, "payload": `...)
	if len(m.Payload) == 0 {
		dst = append(dst, "null"...)
	} else {
		var err error
		if dst, err = appendPyRaw(dst, m.Payload); err != nil {
			return nil, fmt.Errorf("payload is not valid JSON: %w", err)
		}
	}
	dst = append(dst, `, "timestamp": `...)
	dst = appendPyString(dst, m.Timestamp)
	if kafka {
		return appendNestedContext(dst, m)
	}
	if m.UniqueID != "" {
		dst = append(dst, `, "_unique_id": `...)
		dst = appendPyString(dst, m.UniqueID)
	}
	for _, k := range contextOrder(m) {
		dst = append(dst, ", "...)
		dst = appendPyString(dst, contextPrefix+k)
		dst = append(dst, ": "...)
		var err error
		if dst, err = appendPyValue(dst, m.Context[k], 0); err != nil {
			return nil, fmt.Errorf("context key %q cannot be written as JSON: %w", k, err)
		}
	}
	return append(dst, '}'), nil
}

// appendNestedContext ends the inner object as oslo's kafka pack_message
// does: msg['_context'] = ctxt, the last key of the dict.
func appendNestedContext(dst []byte, m *OsloMessage) ([]byte, error) {
	dst = append(dst, `, "_context": {`...)
	for i, k := range contextOrder(m) {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendPyString(dst, k)
		dst = append(dst, ": "...)
		var err error
		if dst, err = appendPyValue(dst, m.Context[k], 0); err != nil {
			return nil, fmt.Errorf("context key %q cannot be written as JSON: %w", k, err)
		}
	}
	return append(dst, "}}"...), nil
}

// contextOrder lists m.Context's keys as they are written: those in
// m.ContextKeys first, in that order and each once, then the rest sorted.
func contextOrder(m *OsloMessage) []string {
	if len(m.ContextKeys) == 0 {
		return sortedKeys(m.Context)
	}
	keys := make([]string, 0, len(m.Context))
	seen := make(map[string]bool, len(m.ContextKeys))
	for _, k := range m.ContextKeys {
		if _, ok := m.Context[k]; ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if len(keys) == len(m.Context) {
		return keys
	}
	rest := make([]string, 0, len(m.Context)-len(keys))
	for k := range m.Context {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}
