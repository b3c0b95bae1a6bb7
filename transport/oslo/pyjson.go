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

	"github.com/harkmq/hark/internal/jsonscan"
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
		return appendPyList(dst, x, depth, appendPyValue)
	case []float64:
		return appendPyList(dst, x, depth, appendPyElemFloat)
	case []string:
		return appendPyList(dst, x, depth, appendPyElemString)
	case map[string]any:
		return appendPyDict(dst, x, depth, appendPyValue)
	case map[string]string:
		return appendPyDict(dst, x, depth, appendPyElemString)
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

// pyElemFunc appends one element of a list or dict value at depth (the
// signature of appendPyValue, so it serves directly).
type pyElemFunc[E any] func(dst []byte, e E, depth int) ([]byte, error)

// appendPyList appends xs as a Python-style list (null when nil), each
// element written by elem one level deeper.
func appendPyList[E any](dst []byte, xs []E, depth int, elem pyElemFunc[E]) ([]byte, error) {
	if xs == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, e := range xs {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		var err error
		if dst, err = elem(dst, e, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendPyDict appends m as a Python-style dict (null when nil) with its
// keys sorted, each value written by elem one level deeper.
func appendPyDict[V any](dst []byte, m map[string]V, depth int, elem pyElemFunc[V]) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendPyString(dst, k)
		dst = append(dst, ": "...)
		var err error
		if dst, err = elem(dst, m[k], depth+1); err != nil {
			return dst, fmt.Errorf("key %q: %w", k, err)
		}
	}
	return append(dst, '}'), nil
}

// appendPyElemFloat is appendPyFloat for a []float64 element: float64
// never fails there (non-finite values are written as Python writes them).
func appendPyElemFloat(dst []byte, f float64, _ int) ([]byte, error) {
	dst, _ = appendPyFloat(dst, f, 64)
	return dst, nil
}

// appendPyElemString is appendPyString as a pyElemFunc.
func appendPyElemString(dst []byte, s string, _ int) ([]byte, error) {
	return appendPyString(dst, s), nil
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
// and at which byte offset of raw (a *jsonscan.SyntaxError).
func appendPyRaw(dst []byte, raw []byte) ([]byte, error) {
	s := jsonscan.Scanner{Data: raw, MaxDepth: maxJSONDepth, NonFinite: true}
	s.SkipSpace()
	out, ok := appendPyScanned(dst, &s, 1)
	if !ok || !s.End() {
		return dst, s.Err()
	}
	return out, nil
}

// appendPyScanned writes the value at s.Pos in Python style as s validates
// it, and moves past it. depth is as for Scanner.Value. ok is false when
// the value is invalid (s.Err says why).
func appendPyScanned(dst []byte, s *jsonscan.Scanner, depth int) (_ []byte, ok bool) {
	if s.Pos >= len(s.Data) {
		return dst, s.Value(depth) // fails, saying a value was wanted
	}
	switch open := s.Data[s.Pos]; open {
	case '{', '[':
		if !s.Nest(depth) {
			return dst, false
		}
		close := open + 2 // '}' or ']'
		dst = append(dst, open)
		if s.Enter() {
			return append(dst, close), true
		}
		for {
			if open == '{' {
				start, end, _, ok := s.Key()
				if !ok {
					return dst, false
				}
				dst = appendPyContents(dst, s.Data[start:end])
				dst = append(dst, ": "...)
			}
			if dst, ok = appendPyScanned(dst, s, depth+1); !ok {
				return dst, false
			}
			done, ok := s.Next(close)
			if !ok {
				return dst, false
			}
			if done {
				return append(dst, close), true
			}
			dst = append(dst, ", "...)
		}
	case '"':
		start := s.Pos + 1
		if _, ok := s.Str(); !ok {
			return dst, false
		}
		return appendPyContents(dst, s.Data[start:s.Pos-1]), true
	default: // a number or literal: copied as written
		start := s.Pos
		if !s.Value(depth) {
			return dst, false
		}
		return append(dst, s.Data[start:s.Pos]...), true
	}
}

// appendPyContents writes a validated JSON string, given its contents, as
// Python's json.dumps writes it. \uXXXX escapes are decoded to code points,
// pairing surrogates; a lone surrogate is kept as its own \uXXXX, as
// Python keeps it; invalid UTF-8 is written as \ufffd.
func appendPyContents(dst, contents []byte) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(contents); {
		run := i // copy a run that Python writes as it is in one append
		for run < len(contents) && contents[run] >= 0x20 && contents[run] < 0x7f && contents[run] != '\\' && contents[run] != '"' {
			run++
		}
		dst = append(dst, contents[i:run]...)
		if i = run; i >= len(contents) {
			break
		}
		r, size := jsonscan.DecodeRune(contents[i:])
		i += size
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' {
			dst = append(dst, byte(r))
		} else {
			dst = appendPyEscape(dst, r)
		}
	}
	return append(dst, '"')
}
