package oslo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/harkmq/hark/transport"
)

// DecodeNotification decodes a body (and its compression header) as
// oslo.messaging's rabbit listener does (spec §4.1, §4.6):
//
//   - A "compression" header (any letter case) of application/x-gzip
//     (zlib data, or a gzip file), application/x-bz2 or application/x-lzma
//     (xz, or legacy lzma) is undone first, producing at most
//     MaxDecompressedSize bytes; any other value is an error naming it.
//   - The body must be a JSON object. One with both "oslo.version" and
//     "oslo.message" is a v2 envelope: the version must be compatible with
//     2.0 (major 2, minor 0, as oslo's version_is_compatible), and
//     "oslo.message" must be a JSON string holding a JSON object. Anything
//     else is a v1 body.
//   - message_id, publisher_id, event_type, priority, timestamp and
//     _unique_id must each be a string, null or absent. oslo passes other
//     types through; hark refuses them so the message is dead-lettered
//     with a clear reason instead of failing later in a handler.
//   - JSON is read as Python's json.loads reads it: NaN, Infinity and
//     -Infinity (which oslo's notifier writes for non-finite floats) are
//     numbers, kept as written in Payload and as json.Number in Context.
//   - payload is kept as raw JSON ("null" when absent).
//   - The context is read in either layout, whatever the transport. A
//     "_context" member holding a JSON object is oslo's kafka layout: its
//     members become Context (never nil; numbers as json.Number) and
//     ContextKeys (their order) exactly as sent, as oslo's kafka
//     unpack_message hands them over (no RPC rewrites), Dialect is
//     DialectKafka, and "_context_*" keys are ignored (oslo's kafka
//     listener reads only "_context"). Otherwise the "_context_*" keys
//     become Context and ContextKeys, rewritten as oslo's rabbit listener
//     rewrites them: msg_id and reply_q removed, client_timeout set from
//     "_timeout" (see OsloMessage.Context). Any other key, including a
//     "_context" that is not an object, is ignored.
//
// Every error wraps transport.ErrDecode and says what is wrong (which
// field, which JSON type, which byte offset), so that an operator reading a
// dead-letter record can tell why it is there.
//
// It decompresses without a memory budget shared with other messages; a
// listener decodes with DecompressionBudget.DecodeNotification instead.
func DecodeNotification(msg transport.Message) (*OsloMessage, error) {
	return decodeNotificationIn(context.Background(), msg, nil)
}

// decodeNotificationIn is DecodeNotification with decompression memory
// from b (nil: none shared).
func decodeNotificationIn(ctx context.Context, msg transport.Message, b *DecompressionBudget) (*OsloMessage, error) {
	m, err := decodeNotification(ctx, msg, b)
	if err != nil {
		if errors.Is(err, errBudgetWait) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", transport.ErrDecode, err)
	}
	return m, nil
}

func decodeNotification(ctx context.Context, msg transport.Message, b *DecompressionBudget) (*OsloMessage, error) {
	body := msg.Body
	ct := headerValue(msg.Header, HeaderCompression)
	if ct != "" {
		d := decompression{limit: MaxDecompressedSize, reservation: reservation{ctx: ctx, budget: b}}
		var err error
		body, err = decompressBody(ct, body, &d)
		// The body is decoded (and copied from) below, but its memory is
		// the budget's no longer: holding it through the decode would
		// only make a budget of MinDecompressionBudget run one large
		// body at a time instead of about two.
		d.release()
		if err != nil {
			return nil, err
		}
	}
	// The single-pass scanner handles every well-formed notification; on
	// anything it does not accept (invalid JSON, a wrong field type, a bad
	// envelope, very deep nesting) the reference decoder below runs instead,
	// so that results and error messages stay exactly what they were.
	if m, ok := decodeFast(body); ok {
		return m, nil
	}
	what := "body"
	if ct != "" {
		what = "body (decompressed from " + ct + ")"
	}
	return decodeReference(what, body)
}

// decodeReference is the straightforward decoder built on encoding/json:
// the definition of DecodeNotification's behaviour, which decodeFast must
// reproduce, and the source of every decode error message.
func decodeReference(what string, body []byte) (*OsloMessage, error) {
	top, keys, err := decodeObject(what, body)
	if err != nil {
		return nil, err
	}

	m := &OsloMessage{Version: 1}
	vraw, hasVersion := top[envelopeVersionKey]
	mraw, hasMessage := top[envelopeMessageKey]
	if hasVersion && hasMessage {
		if err := checkEnvelopeVersion(vraw); err != nil {
			return nil, err
		}
		if kind := jsonKind(mraw); kind != "string" {
			return nil, fmt.Errorf("%s is a JSON %s, want a string holding the message's JSON (oslo.messaging rejects this too)", envelopeMessageKey, kind)
		}
		var inner string
		if err := json.Unmarshal(mraw, &inner); err != nil {
			return nil, fmt.Errorf("%s: %w", envelopeMessageKey, err)
		}
		if top, keys, err = decodeObject(envelopeMessageKey, []byte(inner)); err != nil {
			return nil, err
		}
		m.Version = 2
	}

	for _, f := range []struct {
		key string
		dst *string
	}{
		{"message_id", &m.MessageID},
		{"publisher_id", &m.PublisherID},
		{"event_type", &m.EventType},
		{"priority", &m.Priority},
		{"timestamp", &m.Timestamp},
		{uniqueIDKey, &m.UniqueID},
	} {
		raw, ok := top[f.key]
		if !ok {
			continue
		}
		switch kind := jsonKind(raw); kind {
		case "null":
		case "string":
			if err := json.Unmarshal(raw, f.dst); err != nil {
				return nil, fmt.Errorf("field %q: %w", f.key, err)
			}
		default:
			return nil, fmt.Errorf("field %q is a JSON %s (%s), want a string or null", f.key, kind, excerpt(raw))
		}
	}

	m.Payload = json.RawMessage("null")
	if raw, ok := top["payload"]; ok {
		m.Payload = raw
	}

	if raw, ok := top[nestedContextKey]; ok && jsonKind(raw) == "object" {
		// oslo's kafka layout: unpack_message hands the nested dict over
		// as the ctxt, as it is (no RPC rewrites).
		members, ckeys, err := decodeObject(nestedContextKey, raw)
		if err != nil {
			return nil, err
		}
		m.Context = make(map[string]any, len(ckeys))
		for _, k := range ckeys {
			v, err := decodeAny(members[k])
			if err != nil {
				return nil, fmt.Errorf("field %q key %q: %w", nestedContextKey, k, err)
			}
			m.Context[k] = v
		}
		m.ContextKeys = ckeys
		m.Dialect = transport.DialectKafka
		return m, nil
	}

	m.Context = map[string]any{}
	for _, k := range keys {
		name, ok := strings.CutPrefix(k, contextPrefix)
		if !ok {
			continue
		}
		v, err := decodeAny(top[k])
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		m.Context[name] = v
		m.ContextKeys = append(m.ContextKeys, name)
	}
	var timeout any
	if raw, ok := top[rpcTimeoutKey]; ok {
		var err error
		if timeout, err = decodeAny(raw); err != nil {
			return nil, fmt.Errorf("field %q: %w", rpcTimeoutKey, err)
		}
	}
	m.rewriteRPCContext(timeout, top[rpcTimeoutKey] != nil)
	return m, nil
}

// rewriteRPCContext does to the context what oslo's unpack_context does
// (amqp.py): the RpcContext takes msg_id and reply_q out of the dict, so a
// publisher's "_context_msg_id" and "_context_reply_q" never reach a
// handler, and sets client_timeout to the message's "_timeout" (None when
// absent), overwriting a "_context_client_timeout". oslo also adds
// client_timeout: None to every context; hark leaves it out unless the
// message has "_timeout" or "_context_client_timeout", so that ordinary
// contexts hold only what the notifier sent.
func (m *OsloMessage) rewriteRPCContext(timeout any, hasTimeout bool) {
	_, hadMsgID := m.Context["msg_id"]
	_, hadReplyQ := m.Context["reply_q"]
	_, hadClientTimeout := m.Context["client_timeout"]
	if hadMsgID || hadReplyQ {
		delete(m.Context, "msg_id")
		delete(m.Context, "reply_q")
		m.ContextKeys = slices.DeleteFunc(m.ContextKeys, func(k string) bool { return k == "msg_id" || k == "reply_q" })
	}
	if hasTimeout || hadClientTimeout {
		m.Context["client_timeout"] = timeout
		if !hadClientTimeout {
			m.ContextKeys = append(m.ContextKeys, "client_timeout")
		}
	}
}

// headerValue looks key up exactly, then ignoring case: NATS and HTTP
// style transports may canonicalise "compression" to "Compression".
func headerValue(h transport.Header, key string) string {
	if v, ok := h[key]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// decodeObject decodes data, which what names in errors, as a JSON object
// (as Python reads it: NaN and the infinities allowed): its members, and
// its keys in document order (see splitObject).
func decodeObject(what string, data []byte) (map[string]json.RawMessage, []string, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, nil, fmt.Errorf("%s is empty, want a JSON object", what)
	}
	if trimmed[0] != '{' {
		if ValidJSON(data) {
			return nil, nil, fmt.Errorf("%s is a JSON %s (%s), want an object (an oslo notification is a JSON object)", what, jsonKind(trimmed), excerpt(trimmed))
		}
		var v any
		return nil, nil, syntaxError(what, json.Unmarshal(data, &v))
	}
	if !ValidJSON(data) {
		var top map[string]json.RawMessage
		return nil, nil, syntaxError(what, json.Unmarshal(data, &top))
	}
	top, keys := splitObject(data)
	return top, keys, nil
}

func syntaxError(what string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s is not valid JSON: %s at offset %d", what, se.Error(), se.Offset)
	}
	return fmt.Errorf("%s is not valid JSON: %w", what, err)
}

// checkEnvelopeVersion applies oslo's version_is_compatible("2.0", v):
// major 2, minor at most 0, and when the minor is 0 a revision (a third
// part) of at most 0. A non-string version is refused (oslo fails on it).
func checkEnvelopeVersion(raw json.RawMessage) error {
	kind := jsonKind(raw)
	if kind != "string" {
		return fmt.Errorf("%s is a JSON %s (%s), want a string such as %q", envelopeVersionKey, kind, excerpt(raw), envelopeVersion)
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("%s: %w", envelopeVersionKey, err)
	}
	if !versionIsCompatible(v) {
		return fmt.Errorf("unsupported %s %q: hark, like oslo.messaging, accepts envelope version %s (major 2, minor 0)", envelopeVersionKey, v, envelopeVersion)
	}
	return nil
}

func versionIsCompatible(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return false
	}
	num := func(s string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		return n, err == nil
	}
	major, ok1 := num(parts[0])
	minor, ok2 := num(parts[1])
	if !ok1 || !ok2 || major != 2 || minor > 0 {
		return false
	}
	if minor == 0 && len(parts) > 2 {
		rev, ok := num(parts[2])
		if !ok || rev > 0 {
			return false
		}
	}
	return true
}

// jsonKind names the JSON type of a valid raw value by its first byte.
func jsonKind(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// excerpt returns the start of a raw JSON value for an error message.
func excerpt(raw []byte) string {
	const limit = 40
	s := strings.ToValidUTF8(string(bytes.TrimSpace(raw)), "\uFFFD")
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}
