package oslo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/harkmq/hark/internal/jsonscan"
)

// This file reads JSON as Python's json.loads does: RFC 8259 plus NaN,
// Infinity and -Infinity, which json.dumps writes for float('nan') and
// float('inf') by default (allow_nan=True). oslo notifiers send them and
// oslo listeners dispatch them, so hark must not refuse them.

// ErrNonFinite is wrapped by Unmarshal's error when the JSON holds NaN,
// Infinity or -Infinity and the target is not one that can hold them
// (encoding/json has no way to put them into a struct's fields).
var ErrNonFinite = errors.New("hark: JSON holds NaN or Infinity, which only any, map[string]any, []any, float64 and json.RawMessage targets can receive")

// ValidJSON reports whether data is exactly one JSON value (surrounding
// whitespace allowed) as Python's json.loads reads it: what json.Valid
// accepts, plus NaN, Infinity and -Infinity as numbers.
func ValidJSON(data []byte) bool {
	s := jsonscan.Scanner{Data: data, NonFinite: true}
	return s.Whole()
}

// Unmarshal is json.Unmarshal for JSON as Python writes it. JSON that
// json.Unmarshal accepts decodes exactly as json.Unmarshal decodes it.
// JSON that holds NaN, Infinity or -Infinity decodes into *any,
// *map[string]any, *[]any or *float64 (numbers as float64, those three as
// math.NaN() and ±math.Inf; a number beyond float64 is an error, as in
// json.Unmarshal) or into *json.RawMessage (a copy of data); into any other
// target it is an error wrapping ErrNonFinite.
func Unmarshal(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var se *json.SyntaxError
	if err == nil || !errors.As(err, &se) || !ValidJSON(data) {
		return err
	}
	if raw, ok := v.(*json.RawMessage); ok && raw != nil {
		*raw = append((*raw)[:0], data...)
		return nil
	}
	s := jsonscan.Scanner{Data: data, NonFinite: true}
	s.SkipSpace()
	tree, err := floatNumbers(anyValue(&s))
	if err != nil {
		return err
	}
	switch p := v.(type) {
	case *any:
		*p = tree
		return nil
	case *map[string]any:
		if m, ok := tree.(map[string]any); ok {
			*p = m
			return nil
		}
	case *[]any:
		if a, ok := tree.([]any); ok {
			*p = a
			return nil
		}
	case *float64:
		if f, ok := tree.(float64); ok {
			*p = f
			return nil
		}
	default:
		return fmt.Errorf("%w: cannot decode into %T", ErrNonFinite, v)
	}
	return &json.UnmarshalTypeError{Value: jsonKind(bytes.TrimSpace(data)), Type: reflect.TypeOf(v).Elem()}
}

// floatNumbers replaces the json.Number values anyValue makes with
// float64, as json.Unmarshal into an interface does.
func floatNumbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, &json.UnmarshalTypeError{Value: "number " + string(x), Type: reflect.TypeFor[float64]()}
		}
		return f, nil
	case map[string]any:
		for k, e := range x {
			f, err := floatNumbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = f
		}
	case []any:
		for i, e := range x {
			f, err := floatNumbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = f
		}
	}
	return v, nil
}

// splitObject returns the members of data, a JSON object that ValidJSON
// accepts, as raw values (the last of duplicate keys wins, as in
// encoding/json and Python), and the keys in document order, each once
// where it first appears (as a Python dict keeps them).
func splitObject(data []byte) (map[string]json.RawMessage, []string) {
	top := map[string]json.RawMessage{}
	var keys []string
	s := jsonscan.Scanner{Data: data, NonFinite: true}
	s.SkipSpace()
	if s.Enter() {
		return top, keys
	}
	for {
		k := stringValue(&s)
		s.Colon()
		start := s.Pos
		s.Value(2)
		if _, dup := top[k]; !dup {
			keys = append(keys, k)
		}
		top[k] = data[start:s.Pos]
		if done, _ := s.Next('}'); done {
			return top, keys
		}
	}
}

// DecodeObject decodes data as one JSON object as Python's json.loads
// does (NaN, Infinity and -Infinity allowed): values as encoding/json
// decodes them into an interface with UseNumber (numbers as json.Number,
// their text kept), and the keys in document order, each once, where a
// duplicate first appears (the last value wins), as a Python dict keeps
// them. Anything else is an error saying what is wrong and where.
func DecodeObject(data []byte) (map[string]any, []string, error) {
	if !ValidJSON(data) {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, nil, fmt.Errorf("not valid JSON: %w", err)
		}
		return nil, nil, errors.New("not valid JSON")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if trimmed[0] != '{' {
		return nil, nil, fmt.Errorf("want a JSON object, got a JSON %s (%s)", jsonKind(trimmed), excerpt(trimmed))
	}
	top, keys := splitObject(data)
	m := make(map[string]any, len(top))
	for k, raw := range top {
		s := jsonscan.Scanner{Data: raw, NonFinite: true}
		m[k] = anyValue(&s)
	}
	return m, keys, nil
}

// DecodeValue decodes data, one JSON value, as json.Decoder with UseNumber
// decodes it into an interface (numbers as json.Number, their text kept),
// reading Python's NaN, Infinity and -Infinity as json.Number too
// (json.Number.Float64 parses them). Errors are json.Decoder's.
func DecodeValue(data []byte) (any, error) { return decodeAny(data) }

// decodeAny decodes one raw JSON value as json.Decoder with UseNumber
// does, reading NaN, Infinity and -Infinity as json.Number too.
func decodeAny(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil || !ValidJSON(raw) {
		return v, err
	}
	s := jsonscan.Scanner{Data: raw, NonFinite: true}
	s.SkipSpace()
	return anyValue(&s), nil
}

// EncodeJSON writes v as Python's json.dumps writes the same value: ", "
// and ": " separators, ASCII only, float64 NaN and ±Inf as NaN, Infinity
// and -Infinity. Maps have their keys sorted (a Go map has no order to
// keep); json.Number and json.RawMessage keep their text; other types
// (structs) go through json.Marshal, which refuses NaN and Inf.
func EncodeJSON(v any) ([]byte, error) {
	return appendPyValue(nil, v, 0)
}
