// Package jsonscan is hark's one JSON tokenizer: it validates JSON in
// place, without building values, and decodes the strings it validated.
// The oslo envelope decoder, the Python-style JSON writer (transport/oslo)
// and payload filters (dispatcher) share it, so all of them accept exactly
// the JSON encoding/json accepts, plus (with NonFinite) the NaN and
// infinities Python's json module writes.
package jsonscan

import (
	"encoding/binary"
	"unicode/utf8"
)

// Scanner validates JSON in place, without building values. It accepts
// exactly what encoding/json accepts (RFC 8259: strict numbers, no control
// bytes in strings, only the standard escapes; invalid UTF-8 is allowed, as
// encoding/json coerces it). A method that fails returns false; Err then
// says what was wrong and where (built only when asked, so a failed scan
// costs the hot path nothing).
type Scanner struct {
	// Data is the input.
	Data []byte
	// Pos is the offset of the next byte to read.
	Pos int
	// MaxDepth bounds nesting: a container deeper than this is rejected.
	// 0 means DefaultMaxDepth, encoding/json's own limit.
	MaxDepth int
	// NonFinite accepts NaN, Infinity and -Infinity as numbers, as Python's
	// json.loads does: json.dumps writes them for float('nan') and
	// float('inf') by default, so oslo notifiers send them.
	NonFinite bool

	why  failure // why the last scan failed (failNone: it has not)
	word string  // the literal wanted, for failLiteral
}

// DefaultMaxDepth is encoding/json's nesting limit.
const DefaultMaxDepth = 10000

func (s *Scanner) maxDepth() int {
	if s.MaxDepth > 0 {
		return s.MaxDepth
	}
	return DefaultMaxDepth
}

// SkipSpace skips JSON whitespace (the four bytes encoding/json allows).
func (s *Scanner) SkipSpace() {
	for s.Pos < len(s.Data) {
		switch s.Data[s.Pos] {
		case ' ', '\t', '\n', '\r':
			s.Pos++
		default:
			return
		}
	}
}

// Whole validates Data as exactly one value with optional whitespace
// around it, from s.Pos, and moves to the end.
func (s *Scanner) Whole() bool {
	s.SkipSpace()
	return s.Value(1) && s.End()
}

// End skips space and reports whether that reaches the end of Data:
// nothing may follow a top-level value.
func (s *Scanner) End() bool {
	s.SkipSpace()
	if s.Pos < len(s.Data) {
		return s.fail(failTrailing)
	}
	return true
}

// Nest reports whether a container may open at depth (1 at the top
// level): encoding/json, and so Value, allow s.maxDepth() levels.
func (s *Scanner) Nest(depth int) bool {
	if depth > s.maxDepth() {
		return s.fail(failDepth)
	}
	return true
}

// Enter moves into the object or array whose '{' or '[' is at s.Pos, past
// the space after it. empty reports that the container has no members;
// its close has then been consumed too. Otherwise s.Pos is at the first
// member (a Key, or an array's first Value), and Next moves from one
// member to the next.
func (s *Scanner) Enter() (empty bool) {
	close := s.Data[s.Pos] + 2 // '{'+2 is '}', '['+2 is ']'
	s.Pos++
	s.SkipSpace()
	if s.Pos < len(s.Data) && s.Data[s.Pos] == close {
		s.Pos++
		return true
	}
	return false
}

// Key validates an object member's key at s.Pos and the colon after it,
// leaving s.Pos at the member's value. Data[start:end] is the key's
// contents (between the quotes); simple is as Str reports it.
func (s *Scanner) Key() (start, end int, simple, ok bool) {
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != '"' {
		return 0, 0, false, s.fail(failKey)
	}
	start = s.Pos + 1
	if simple, ok = s.Str(); !ok {
		return 0, 0, false, false
	}
	end = s.Pos - 1 // before Colon moves s.Pos
	return start, end, simple, s.Colon()
}

// Value validates one value starting at s.Pos (not whitespace) and moves
// past it. depth is the number of containers open if the value is one
// (1 at the top level), which encoding/json limits to s.maxDepth().
func (s *Scanner) Value(depth int) bool {
	if s.Pos >= len(s.Data) {
		return s.fail(failValue)
	}
	switch c := s.Data[s.Pos]; {
	case c == '{' || c == '[':
		if !s.Nest(depth) {
			return false
		}
		if c == '{' {
			return s.object(depth)
		}
		return s.array(depth)
	case c == '"':
		_, ok := s.Str()
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I':
		return s.Number()
	}
	return s.fail(failValue)
}

func (s *Scanner) literal(word string) bool {
	if len(s.Data)-s.Pos < len(word) || string(s.Data[s.Pos:s.Pos+len(word)]) != word {
		s.word = word
		return s.fail(failLiteral)
	}
	s.Pos += len(word)
	return true
}

// object validates an object at s.Pos ('{').
func (s *Scanner) object(depth int) bool {
	if s.Enter() {
		return true
	}
	for {
		if _, _, _, ok := s.Key(); !ok {
			return false
		}
		if !s.Value(depth + 1) {
			return false
		}
		if done, ok := s.Next('}'); !ok || done {
			return ok
		}
	}
}

// array validates an array at s.Pos ('[').
func (s *Scanner) array(depth int) bool {
	if s.Enter() {
		return true
	}
	for {
		if !s.Value(depth + 1) {
			return false
		}
		if done, ok := s.Next(']'); !ok || done {
			return ok
		}
	}
}

// Colon consumes optional space, ':', optional space (after an object key).
func (s *Scanner) Colon() bool {
	s.SkipSpace()
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != ':' {
		s.why = failColon // not s.fail: this keeps Colon inlinable
		return false
	}
	s.Pos++
	s.SkipSpace()
	return true
}

// Next consumes the separator after a member: ',' (done false, space after
// it skipped) or close ('}' or ']': done true). ok is false for anything
// else.
func (s *Scanner) Next(close byte) (done, ok bool) {
	s.SkipSpace()
	if s.Pos < len(s.Data) {
		switch s.Data[s.Pos] {
		case ',':
			s.Pos++
			s.SkipSpace()
			return false, true
		case close:
			s.Pos++
			return true, true
		}
	}
	if close == '}' {
		return false, s.fail(failNextObject)
	}
	return false, s.fail(failNextArray)
}

// Number validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and
// with NonFinite also NaN, Infinity and -Infinity.
func (s *Scanner) Number() bool {
	if s.NonFinite && s.Data[s.Pos] == 'N' {
		return s.literal("NaN")
	}
	if s.Data[s.Pos] == '-' {
		s.Pos++
	}
	if s.NonFinite && s.Pos < len(s.Data) && s.Data[s.Pos] == 'I' {
		return s.literal("Infinity")
	}
	if s.Pos < len(s.Data) && s.Data[s.Pos] == '0' {
		s.Pos++
	} else if s.digits() == 0 {
		return s.fail(failDigit)
	}
	if s.Pos < len(s.Data) && s.Data[s.Pos] == '.' {
		s.Pos++
		if s.digits() == 0 {
			return s.fail(failFraction)
		}
	}
	if s.Pos < len(s.Data) && (s.Data[s.Pos] == 'e' || s.Data[s.Pos] == 'E') {
		s.Pos++
		if s.Pos < len(s.Data) && (s.Data[s.Pos] == '+' || s.Data[s.Pos] == '-') {
			s.Pos++
		}
		if s.digits() == 0 {
			return s.fail(failExponent)
		}
	}
	return true
}

func (s *Scanner) digits() int {
	start := s.Pos
	for s.Pos < len(s.Data) && s.Data[s.Pos] >= '0' && s.Data[s.Pos] <= '9' {
		s.Pos++
	}
	return s.Pos - start
}

// Str validates a string at s.Pos ('"') and moves past it. simple reports
// that its decoded text equals its raw bytes (no escapes, valid UTF-8), so
// the caller may use the bytes between the quotes as they are.
func (s *Scanner) Str() (simple, ok bool) {
	s.Pos++
	simple = true
	ascii := true
	start := s.Pos
	for s.Pos < len(s.Data) {
		c := s.Data[s.Pos]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			s.Pos++
			if s.Pos-start >= 16 { // a long string: go eight bytes at a time
				s.skipPlain()
			}
			continue
		}
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(s.Data[start:s.Pos]) {
				simple = false
			}
			s.Pos++
			return simple, true
		case c == '\\':
			simple = false
			if !s.escape() {
				return false, false
			}
		case c < 0x20:
			return false, s.fail(failControl)
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			s.Pos++
		}
	}
	return false, s.fail(failUnterminated)
}

// escape validates the escape sequence at s.Pos (a backslash).
func (s *Scanner) escape() bool {
	if s.Pos+1 >= len(s.Data) {
		s.Pos++
		return s.fail(failEscapeEnd)
	}
	switch s.Data[s.Pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.Pos += 2
		return true
	case 'u':
		if _, ok := hex4(s.Data[s.Pos+2:]); !ok {
			s.Pos++
			return s.fail(failU4)
		}
		s.Pos += 6
		return true
	}
	s.Pos++
	return s.fail(failEscape)
}

// skipPlain skips string bytes that need no attention (printable ASCII
// other than '"' and '\\'), eight at a time: strings are most of a
// notification, and this is where scanning spends its time. It stops at or
// a little before the first byte that needs attention.
func (s *Scanner) skipPlain() {
	const (
		lsb = 0x0101010101010101
		msb = 0x8080808080808080
	)
	for s.Pos+8 <= len(s.Data) {
		x := binary.LittleEndian.Uint64(s.Data[s.Pos:])
		quote, backslash := x^(lsb*'"'), x^(lsb*'\\')
		// A byte's high bit is set in special when it is below 0x20, a
		// quote, a backslash or non-ASCII (and possibly for bytes after
		// such a one, which the caller then looks at one by one).
		special := ((x - lsb*0x20) &^ x) | ((quote - lsb) &^ quote) | ((backslash - lsb) &^ backslash) | x
		if special&msb != 0 {
			return
		}
		s.Pos += 8
	}
}
