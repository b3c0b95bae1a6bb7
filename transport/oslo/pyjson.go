package oslo

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file writes JSON the way Python's json.dumps does with its defaults
// (separators ", " and ": ", ensure_ascii=True), which is how oslo.messaging
// and kombu serialize notifications. Writing the same bytes as oslo makes a
// notification sent by hark indistinguishable from one sent by oslo, and a
// notification bridged between transports byte-identical.

// maxJSONDepth bounds nesting when re-emitting raw JSON, as encoding/json
// does, so hostile input cannot exhaust the stack.
const maxJSONDepth = 10000

// appendPyString appends s as a JSON string escaped as Python's
// json.dumps(ensure_ascii=True) escapes it: '"' and '\\' and the short
// escapes \n \r \t \b \f; every other character outside ' '..'~' as
// \uXXXX with lower-case hex (astral characters as a surrogate pair). '/',
// '<', '>' and '&' are not escaped. Invalid UTF-8 is written as \ufffd.
func appendPyString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < utf8.RuneSelf {
			dst = appendPyEscape(dst, rune(c))
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			dst = appendPyEscape(dst, r)
			i += size
		}
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendPyEscape appends the escape of one code point that is not printed
// as itself. r may be a lone surrogate (0xD800..0xDFFF) carried over from a
// \uXXXX escape in raw JSON; Python keeps those, and so does hark.
func appendPyEscape(dst []byte, r rune) []byte {
	switch r {
	case '"':
		return append(dst, '\\', '"')
	case '\\':
		return append(dst, '\\', '\\')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	}
	if r >= 0x10000 {
		r -= 0x10000
		dst = appendU4(dst, 0xd800|(r>>10)&0x3ff)
		return appendU4(dst, 0xdc00|r&0x3ff)
	}
	return appendU4(dst, r)
}

func appendU4(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
}

// appendPyFloat appends f as Python's float.__repr__ writes it: the
// shortest digits that round-trip, in positional notation with at least
// one fractional digit ("1.0", "0.0001") when the decimal exponent is in
// [-4, 16), otherwise in exponent notation ("1e+16", "1.5e-05"). NaN and
// the infinities are written NaN, Infinity and -Infinity: not RFC 8259
// JSON, but what json.dumps writes by default and json.loads reads, so
// oslo notifiers send them and oslo listeners accept them.
func appendPyFloat(dst []byte, f float64, bits int) ([]byte, error) {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...), nil
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...), nil
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...), nil
	}
	e := strconv.FormatFloat(f, 'e', -1, bits)
	exp, _ := strconv.Atoi(e[strings.LastIndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return append(dst, e...), nil
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, bits)
	if !slices.Contains(dst[start:], '.') {
		dst = append(dst, '.', '0')
	}
	return dst, nil
}

// appendPyValue appends a Go value as Python-style JSON. The types
// encoding/json decodes into are written directly (maps with their keys
// sorted, for determinism: a Go map has no insertion order to keep);
// json.Number and json.RawMessage keep their text; anything else goes
// through json.Marshal and is re-emitted.
func appendPyValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return dst, fmt.Errorf("nested more than %d levels deep", maxJSONDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case string:
		return appendPyString(dst, x), nil
	case json.Number:
		if x == "" {
			return append(dst, '0'), nil
		}
		return appendPyRaw(dst, []byte(x))
	case json.RawMessage:
		return appendPyRaw(dst, x)
	case float64:
		return appendPyFloat(dst, x, 64)
	case float32:
		return appendPyFloat(dst, float64(x), 32)
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, err = appendPyValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []float64:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst, _ = appendPyFloat(dst, e, 64)
		}
		return append(dst, ']'), nil
	case []string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyString(dst, e)
		}
		return append(dst, ']'), nil
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyString(dst, k)
			dst = append(dst, ": "...)
			var err error
			if dst, err = appendPyValue(dst, x[k], depth+1); err != nil {
				return dst, fmt.Errorf("key %q: %w", k, err)
			}
		}
		return append(dst, '}'), nil
	case map[string]string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyString(dst, k)
			dst = append(dst, ": "...)
			dst = appendPyString(dst, x[k])
		}
		return append(dst, '}'), nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return append(dst, "null"...), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return appendPyRaw(dst, raw)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendPyRaw validates raw as one JSON value (surrounding whitespace
// allowed) as Python's json.loads does (JSON plus NaN, Infinity and
// -Infinity) and appends it re-emitted in Python style: same keys in the
// same order (duplicates kept), numbers exactly as written, strings re-escaped,
// whitespace replaced by Python's separators. The error says what is wrong
// and at which byte offset of raw.
func appendPyRaw(dst []byte, raw []byte) ([]byte, error) {
	e := pyEmitter{src: raw, out: dst}
	e.skipSpace()
	if err := e.value(0); err != nil {
		return dst, err
	}
	e.skipSpace()
	if e.pos < len(e.src) {
		return dst, e.errorf("unexpected data after the JSON value")
	}
	return e.out, nil
}

// pyEmitter is a small JSON scanner that writes what it reads in Python
// style as it goes. Hand-written rather than built on json.Decoder.Token
// so that number text and lone surrogates survive exactly and errors carry
// offsets.
type pyEmitter struct {
	src []byte
	pos int
	out []byte
}

// jsonSyntaxError is returned, wrapped, for JSON that cannot be
// re-emitted; it says what is wrong and where.
type jsonSyntaxError struct {
	msg    string
	offset int
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.offset, e.msg)
}

func (e *pyEmitter) errorf(format string, args ...any) error {
	return &jsonSyntaxError{msg: fmt.Sprintf(format, args...), offset: e.pos}
}

// unexpected describes the byte at the current position (or the end).
func (e *pyEmitter) unexpected(want string) error {
	if e.pos >= len(e.src) {
		return e.errorf("unexpected end of input, want %s", want)
	}
	return e.errorf("unexpected %s, want %s", quoteByte(e.src[e.pos]), want)
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (e *pyEmitter) skipSpace() {
	for e.pos < len(e.src) {
		switch e.src[e.pos] {
		case ' ', '\t', '\n', '\r':
			e.pos++
		default:
			return
		}
	}
}

func (e *pyEmitter) value(depth int) error {
	if depth > maxJSONDepth {
		return e.errorf("nested more than %d levels deep", maxJSONDepth)
	}
	if e.pos >= len(e.src) {
		return e.unexpected("a JSON value")
	}
	switch c := e.src[e.pos]; {
	case c == '{':
		return e.object(depth)
	case c == '[':
		return e.array(depth)
	case c == '"':
		return e.string()
	case c == 't':
		return e.literal("true")
	case c == 'f':
		return e.literal("false")
	case c == 'n':
		return e.literal("null")
	case c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I':
		return e.number()
	}
	return e.unexpected("a JSON value")
}

func (e *pyEmitter) literal(word string) error {
	if len(e.src)-e.pos < len(word) || string(e.src[e.pos:e.pos+len(word)]) != word {
		return e.errorf("invalid literal, want %s", word)
	}
	e.pos += len(word)
	e.out = append(e.out, word...)
	return nil
}

func (e *pyEmitter) object(depth int) error {
	return e.sequence('{', '}', func() error {
		if e.pos >= len(e.src) || e.src[e.pos] != '"' {
			return e.unexpected("a string key")
		}
		if err := e.string(); err != nil {
			return err
		}
		e.skipSpace()
		if e.pos >= len(e.src) || e.src[e.pos] != ':' {
			return e.unexpected("':' after an object key")
		}
		e.pos++
		e.out = append(e.out, ": "...)
		e.skipSpace()
		return e.value(depth + 1)
	})
}

func (e *pyEmitter) array(depth int) error {
	return e.sequence('[', ']', func() error { return e.value(depth + 1) })
}

// sequence emits an object or array: open, items separated by Python's
// ", ", close. item emits one member, starting at a non-space byte.
func (e *pyEmitter) sequence(open, close byte, item func() error) error {
	e.pos++ // open
	e.out = append(e.out, open)
	e.skipSpace()
	if e.pos < len(e.src) && e.src[e.pos] == close {
		e.pos++
		e.out = append(e.out, close)
		return nil
	}
	want := "',' or '" + string(close) + "'"
	for first := true; ; first = false {
		if !first {
			e.out = append(e.out, ", "...)
		}
		e.skipSpace()
		if err := item(); err != nil {
			return err
		}
		e.skipSpace()
		if e.pos >= len(e.src) {
			return e.unexpected(want)
		}
		switch e.src[e.pos] {
		case ',':
			e.pos++
		case close:
			e.pos++
			e.out = append(e.out, close)
			return nil
		default:
			return e.unexpected(want)
		}
	}
}

// number copies a number token verbatim after checking the JSON grammar,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, or Python's NaN,
// Infinity or -Infinity.
func (e *pyEmitter) number() error {
	if e.src[e.pos] == 'N' {
		return e.literal("NaN")
	}
	if e.src[e.pos] == 'I' || (e.src[e.pos] == '-' && e.pos+1 < len(e.src) && e.src[e.pos+1] == 'I') {
		if e.src[e.pos] == '-' {
			e.pos++
			e.out = append(e.out, '-')
		}
		return e.literal("Infinity")
	}
	start := e.pos
	digits := func() int {
		n := 0
		for e.pos < len(e.src) && e.src[e.pos] >= '0' && e.src[e.pos] <= '9' {
			e.pos++
			n++
		}
		return n
	}
	if e.src[e.pos] == '-' {
		e.pos++
	}
	if e.pos < len(e.src) && e.src[e.pos] == '0' {
		e.pos++
	} else if digits() == 0 {
		return e.unexpected("a digit")
	}
	if e.pos < len(e.src) && e.src[e.pos] == '.' {
		e.pos++
		if digits() == 0 {
			return e.unexpected("a digit after the decimal point")
		}
	}
	if e.pos < len(e.src) && (e.src[e.pos] == 'e' || e.src[e.pos] == 'E') {
		e.pos++
		if e.pos < len(e.src) && (e.src[e.pos] == '+' || e.src[e.pos] == '-') {
			e.pos++
		}
		if digits() == 0 {
			return e.unexpected("a digit in the exponent")
		}
	}
	e.out = append(e.out, e.src[start:e.pos]...)
	return nil
}

// string decodes one JSON string and writes it re-escaped. \uXXXX escapes
// are decoded to code points, pairing surrogates; a lone surrogate is kept
// as its own \uXXXX, as Python keeps it.
func (e *pyEmitter) string() error {
	e.pos++ // opening quote
	e.out = append(e.out, '"')
	for {
		if e.pos >= len(e.src) {
			return e.errorf("unterminated string")
		}
		c := e.src[e.pos]
		switch {
		case c == '"':
			e.pos++
			e.out = append(e.out, '"')
			return nil
		case c == '\\':
			r, err := e.escape()
			if err != nil {
				return err
			}
			e.writeRune(r)
		case c < 0x20:
			return e.errorf("control character %s in string (must be escaped)", quoteByte(c))
		case c < utf8.RuneSelf:
			e.pos++
			e.writeRune(rune(c))
		default:
			r, size := utf8.DecodeRune(e.src[e.pos:])
			e.pos += size
			e.writeRune(r)
		}
	}
}

func (e *pyEmitter) writeRune(r rune) {
	if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' {
		e.out = append(e.out, byte(r))
		return
	}
	e.out = appendPyEscape(e.out, r)
}

// escape decodes the escape sequence at e.pos (which is a backslash).
func (e *pyEmitter) escape() (rune, error) {
	if e.pos+1 >= len(e.src) {
		e.pos++
		return 0, e.errorf("unterminated escape sequence")
	}
	c := e.src[e.pos+1]
	var r rune
	switch c {
	case '"', '\\', '/':
		r = rune(c)
	case 'b':
		r = '\b'
	case 'f':
		r = '\f'
	case 'n':
		r = '\n'
	case 'r':
		r = '\r'
	case 't':
		r = '\t'
	case 'u':
		u, ok := e.hex4(e.pos + 2)
		if !ok {
			e.pos++
			return 0, e.errorf(`invalid \u escape (want four hex digits)`)
		}
		e.pos += 6
		if u >= 0xd800 && u < 0xdc00 && e.pos+1 < len(e.src) && e.src[e.pos] == '\\' && e.src[e.pos+1] == 'u' {
			if lo, ok := e.hex4(e.pos + 2); ok && lo >= 0xdc00 && lo < 0xe000 {
				e.pos += 6
				return 0x10000 + (u-0xd800)<<10 + (lo - 0xdc00), nil
			}
		}
		return u, nil
	default:
		e.pos++
		return 0, e.errorf("invalid escape sequence \\%s", string(rune(c)))
	}
	e.pos += 2
	return r, nil
}

func (e *pyEmitter) hex4(at int) (rune, bool) {
	if at+4 > len(e.src) {
		return 0, false
	}
	var r rune
	for _, c := range e.src[at : at+4] {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}
