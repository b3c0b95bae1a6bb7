package dispatcher

import (
	"github.com/harkmq/hark/internal/jsonscan"

	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// payloadFields is a payload's top level, scanned on first use: where each
// member's key and value are, without decoding anything. Payload filters
// then look up only the keys they name and match string values in place,
// which keeps a filtered dispatch free of allocations for ordinary
// payloads (decoding into a map cost two allocations per member).
type payloadFields struct {
	done bool
	ok   bool // the payload is a JSON object
	data []byte
	n    int               // members in fixed, then in more
	fix  [24]payloadMember // the first members: no allocation for these
	more []payloadMember   // members past len(fix)
}

// payloadMember locates one top-level member in payloadFields.Data: the
// contents (between the quotes) of its key, and its raw value.
type payloadMember struct {
	keyStart, keyEnd int
	valStart, valEnd int
	simpleKey        bool // the key's contents are its text (no escapes)
}

// scan validates raw as a JSON object (surrounding whitespace allowed) once,
// recording its members, and reports whether it is one. Anything
// json.Unmarshal would reject is not an object.
func (p *payloadFields) scan(raw json.RawMessage) bool {
	if p.done {
		return p.ok
	}
	p.done, p.data = true, raw
	s := jsonscan.Scanner{Data: raw, NonFinite: true}
	s.SkipSpace()
	if s.Pos >= len(raw) || raw[s.Pos] != '{' {
		return false
	}
	if !s.Enter() {
		for {
			var m payloadMember
			var ok bool
			if m.keyStart, m.keyEnd, m.simpleKey, ok = s.Key(); !ok {
				return false
			}
			m.valStart = s.Pos
			if !s.Value(2) {
				return false
			}
			m.valEnd = s.Pos
			p.add(m)
			done, ok := s.Next('}')
			if !ok {
				return false
			}
			if done {
				break
			}
		}
	}
	p.ok = s.End()
	return p.ok
}

func (p *payloadFields) add(m payloadMember) {
	if p.n < len(p.fix) {
		p.fix[p.n] = m
	} else {
		p.more = append(p.more, m)
	}
	p.n++
}

func (p *payloadFields) member(i int) *payloadMember {
	if i < len(p.fix) {
		return &p.fix[i]
	}
	return &p.more[i-len(p.fix)]
}

// matchString reports whether the payload (scanned, an object) has key with
// a JSON string value re matches. With duplicate keys the last one counts,
// as encoding/json keeps the last.
func (p *payloadFields) matchString(key string, re *pattern) bool {
	for i := p.n - 1; i >= 0; i-- {
		m := p.member(i)
		if !p.keyIs(m, key) {
			continue
		}
		val := p.data[m.valStart:m.valEnd]
		if val[0] != '"' {
			return false
		}
		text := val[1 : len(val)-1]
		if bytes.IndexByte(text, '\\') < 0 && utf8.Valid(text) {
			return re.Match(text) // the text as it is: no copy needed
		}
		var s string
		if json.Unmarshal(val, &s) != nil {
			return false
		}
		return re.MatchString(s)
	}
	return false
}

// keyIs reports whether m's decoded key is key.
func (p *payloadFields) keyIs(m *payloadMember, key string) bool {
	raw := p.data[m.keyStart:m.keyEnd]
	if m.simpleKey {
		return string(raw) == key
	}
	var k string
	return json.Unmarshal(p.data[m.keyStart-1:m.keyEnd+1], &k) == nil && k == key
}
