package oslo

import (
	"github.com/harkmq/hark/internal/jsonscan"
	"github.com/harkmq/hark/transport"

	"bytes"
	"encoding/json"
	"strings"
	"sync"
)

// Indexes of the members decodeFast looks for, in objectFields.known. The
// first six are the string fields, in the order decodeReference checks
// them.
const (
	keyMessageID = iota
	keyPublisherID
	keyEventType
	keyPriority
	keyTimestamp
	keyUniqueID
	keyPayload
	keyVersion
	keyMessage
	keyTimeout
	keyContext
	numKnownKeys
)

// span locates a raw JSON value in the buffer being decoded; end is 0 when
// the member is absent (no value of an object member starts at offset 0).
type span struct{ start, end int }

// member is one "_context_*" member: its key's contents (between the
// quotes) and its value.
type member struct {
	key, val  span
	simpleKey bool // the key's contents are its text (no escapes)
}

// objectFields is where one scan of a notification object found the
// members that matter. Duplicate keys: the last one wins, as in
// encoding/json.
type objectFields struct {
	known [numKnownKeys]span
	// The "_context_*" members in document order: nctx of them, the first
	// in ctxFix and the rest in ctxMore. (Not a slice of ctxFix: a pointer
	// into itself would move objectFields to the heap.)
	nctx    int
	ctxFix  [12]member
	ctxMore []member
}

// innerBufPool recycles the buffers oslo.message is unquoted into. The
// inner JSON is as large as the message and is garbage once its fields are
// copied out, so reusing it removes the largest allocation of a v2 decode.
var innerBufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 4096)
	return &b
}}

// maxPooledInnerBuf keeps one huge message from pinning its buffer.
const maxPooledInnerBuf = 64 << 10

// decodeFast decodes body (already decompressed) in one pass of a
// validating scanner over each object, without intermediate maps or
// reflection. ok is false for anything decodeReference would reject, and
// for input deeper than scanMaxDepth: the caller then runs
// decodeReference, which alone produces errors.
func decodeFast(body []byte) (m *OsloMessage, ok bool) {
	var f objectFields
	if !f.scan(body) {
		return nil, false
	}
	version := 1
	data := body
	if v, msg := f.known[keyVersion], f.known[keyMessage]; v.end != 0 && msg.end != 0 {
		if !compatibleVersionValue(body[v.start:v.end]) || body[msg.start] != '"' {
			return nil, false
		}
		bufp := innerBufPool.Get().(*[]byte)
		inner := jsonscan.AppendUnquoted((*bufp)[:0], body[msg.start+1:msg.end-1])
		defer func() {
			if cap(inner) <= maxPooledInnerBuf {
				*bufp = inner[:0]
				innerBufPool.Put(bufp)
			}
		}()
		f = objectFields{}
		if !f.scan(inner) {
			return nil, false
		}
		data, version = inner, 2
	}
	return f.build(data, version)
}

// compatibleVersionValue checks a raw oslo.version value as
// checkEnvelopeVersion does, without allocating for the usual "2.0".
func compatibleVersionValue(raw []byte) bool {
	if string(raw) == `"`+envelopeVersion+`"` {
		return true
	}
	return raw[0] == '"' && versionIsCompatible(jsonscan.Unquote(raw[1:len(raw)-1]))
}

// scan validates data as one JSON object (surrounding whitespace allowed,
// nothing else after it) and records where the members that matter are.
func (f *objectFields) scan(data []byte) bool {
	s := jsonscan.Scanner{Data: data, MaxDepth: scanMaxDepth, NonFinite: true}
	s.SkipSpace()
	if s.Pos >= len(data) || data[s.Pos] != '{' {
		return false
	}
	if !s.Enter() {
		var unquoted []byte // for keys with escapes: rare, so allocated lazily
		for {
			keyStart, keyEnd, simple, ok := s.Key()
			if !ok {
				return false
			}
			k := span{keyStart, keyEnd}
			key := data[k.start:k.end]
			if !simple {
				unquoted = jsonscan.AppendUnquoted(unquoted[:0], key)
				key = unquoted
			}
			valStart := s.Pos
			if !s.Value(1) {
				return false
			}
			f.record(key, member{key: k, val: span{valStart, s.Pos}, simpleKey: simple})
			done, ok := s.Next('}')
			if !ok {
				return false
			}
			if done {
				break
			}
		}
	}
	return s.End()
}

// record notes a member whose decoded key is key.
func (f *objectFields) record(key []byte, m member) {
	i := -1
	switch string(key) {
	case "message_id":
		i = keyMessageID
	case "publisher_id":
		i = keyPublisherID
	case "event_type":
		i = keyEventType
	case "priority":
		i = keyPriority
	case "timestamp":
		i = keyTimestamp
	case uniqueIDKey:
		i = keyUniqueID
	case "payload":
		i = keyPayload
	case envelopeVersionKey:
		i = keyVersion
	case envelopeMessageKey:
		i = keyMessage
	case rpcTimeoutKey:
		i = keyTimeout
	case nestedContextKey:
		i = keyContext
	default:
		if bytes.HasPrefix(key, []byte(contextPrefix)) {
			if f.nctx < len(f.ctxFix) {
				f.ctxFix[f.nctx] = m
			} else {
				f.ctxMore = append(f.ctxMore, m)
			}
			f.nctx++
		}
		return
	}
	f.known[i] = m.val
}

// build makes the OsloMessage from the members found in data, copying
// everything it keeps (data may be a pooled buffer). ok is false when a
// string field holds another JSON type.
func (f *objectFields) build(data []byte, version int) (*OsloMessage, bool) {
	m := &OsloMessage{Version: version}
	for i, dst := range [...]*string{&m.MessageID, &m.PublisherID, &m.EventType, &m.Priority, &m.Timestamp, &m.UniqueID} {
		sp := f.known[i]
		if sp.end == 0 {
			continue
		}
		switch data[sp.start] {
		case 'n':
		case '"':
			*dst = jsonscan.Unquote(data[sp.start+1 : sp.end-1])
		default:
			return nil, false
		}
	}

	m.Payload = json.RawMessage("null")
	if sp := f.known[keyPayload]; sp.end != 0 {
		m.Payload = bytes.Clone(data[sp.start:sp.end])
	}

	if sp := f.known[keyContext]; sp.end != 0 && data[sp.start] == '{' {
		m.nestedContext(data[:sp.end], sp.start)
		return m, true
	}

	m.Context = make(map[string]any, f.nctx)
	if f.nctx > 0 {
		m.ContextKeys = make([]string, 0, f.nctx)
	}
	for i := range f.nctx {
		c := f.ctxMember(i)
		raw := data[c.key.start:c.key.end]
		var name string
		if c.simpleKey {
			name = string(raw[len(contextPrefix):])
		} else {
			name = strings.TrimPrefix(jsonscan.Unquote(raw), contextPrefix)
		}
		s := jsonscan.Scanner{Data: data[:c.val.end], Pos: c.val.start, MaxDepth: scanMaxDepth, NonFinite: true}
		if _, dup := m.Context[name]; !dup {
			m.ContextKeys = append(m.ContextKeys, name)
		}
		m.Context[name] = anyValue(&s)
	}
	var timeout any
	sp := f.known[keyTimeout]
	if sp.end != 0 {
		s := jsonscan.Scanner{Data: data[:sp.end], Pos: sp.start, MaxDepth: scanMaxDepth, NonFinite: true}
		timeout = anyValue(&s)
	}
	m.rewriteRPCContext(timeout, sp.end != 0)
	return m, true
}

// nestedContext sets Context and ContextKeys from the validated object at
// data[start:] (oslo's kafka layout, taken as it is: no RPC rewrites).
func (m *OsloMessage) nestedContext(data []byte, start int) {
	m.Dialect = transport.DialectKafka
	m.Context = map[string]any{}
	s := jsonscan.Scanner{Data: data, Pos: start, MaxDepth: scanMaxDepth, NonFinite: true}
	if s.Enter() {
		return
	}
	for {
		k := stringValue(&s)
		s.Colon()
		if _, dup := m.Context[k]; !dup {
			m.ContextKeys = append(m.ContextKeys, k)
		}
		m.Context[k] = anyValue(&s)
		if done, _ := s.Next('}'); done {
			return
		}
	}
}

// ctxMember returns the i-th "_context_*" member.
func (f *objectFields) ctxMember(i int) *member {
	if i < len(f.ctxFix) {
		return &f.ctxFix[i]
	}
	return &f.ctxMore[i-len(f.ctxFix)]
}

// anyValue decodes the validated value at s.Pos as encoding/json decodes
// into an interface with UseNumber: numbers as json.Number (their text
// exactly, so NaN, Infinity and -Infinity too: Number.Float64 parses
// them), objects as map[string]any (last duplicate wins), arrays as
// non-nil []any.
func anyValue(s *jsonscan.Scanner) any {
	switch s.Data[s.Pos] {
	case '{':
		obj := map[string]any{}
		if s.Enter() {
			return obj
		}
		for {
			k := stringValue(s)
			s.Colon()
			obj[k] = anyValue(s)
			if done, _ := s.Next('}'); done {
				return obj
			}
		}
	case '[':
		arr := make([]any, 0)
		if s.Enter() {
			return arr
		}
		for {
			arr = append(arr, anyValue(s))
			if done, _ := s.Next(']'); done {
				return arr
			}
		}
	case '"':
		return stringValue(s)
	case 't':
		s.Pos += len("true")
		return true
	case 'f':
		s.Pos += len("false")
		return false
	case 'n':
		s.Pos += len("null")
		return nil
	}
	start := s.Pos
	s.Number()
	return json.Number(s.Data[start:s.Pos])
}

// stringValue decodes the validated string at s.Pos.
func stringValue(s *jsonscan.Scanner) string {
	start := s.Pos + 1
	s.Str()
	return jsonscan.Unquote(s.Data[start : s.Pos-1])
}

// scanMaxDepth bounds nesting on the fast path. Deeper input is left to the
// reference decoder (encoding/json allows 10000 levels); notifications
// never come near this.
const scanMaxDepth = 1000
