package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
)

var (
	durationType = reflect.TypeFor[Duration]()
	targetType   = reflect.TypeFor[Target]()
)

// durationHook decodes a Duration from a string ("5s") and refuses a bare
// number other than 0: YAML "timeout: 5" would otherwise mean 5ns.
func durationHook() mapstructure.DecodeHookFuncType {
	return func(from, to reflect.Type, data any) (any, error) {
		if to != durationType {
			return data, nil
		}
		switch v := data.(type) {
		case string:
			var d Duration
			if err := d.UnmarshalText([]byte(v)); err != nil {
				return nil, err
			}
			return d, nil
		case int, int64, uint64, float64:
			if reflect.ValueOf(v).IsZero() {
				return Duration(0), nil
			}
			return nil, fmt.Errorf("%v is not a duration: write a unit, e.g. %vs or %vms", v, v, v)
		case Duration:
			return v, nil
		}
		return nil, fmt.Errorf("%s is not a duration (write e.g. 500ms, 5s, 1m30s)", describe(data))
	}
}

// commaListHook splits a string into a list where a list is wanted, so
// HARK_LISTENER__REQUEUE__BACKOFF="1s,10s" and
// HARK_LISTENER__TARGETS="openstack/notifications,nova/versioned" work.
func commaListHook() mapstructure.DecodeHookFuncType {
	return func(from, to reflect.Type, data any) (any, error) {
		s, ok := data.(string)
		if !ok || to.Kind() != reflect.Slice {
			return data, nil
		}
		if strings.TrimSpace(s) == "" {
			return []any{}, nil
		}
		parts := strings.Split(s, ",")
		out := make([]any, len(parts))
		for i, p := range parts {
			p = strings.TrimSpace(p)
			if to.Elem() == targetType {
				out[i] = targetFromString(p)
				continue
			}
			out[i] = p
		}
		return out, nil
	}
}

// targetFromString reads "exchange/topic" or "topic".
func targetFromString(s string) map[string]any {
	if ex, topic, ok := strings.Cut(s, "/"); ok {
		return map[string]any{"exchange": ex, "topic": topic}
	}
	return map[string]any{"topic": s}
}

// decodeError turns mapstructure's error tree into one error per bad key,
// each "path: problem", with prefix before every path.
func decodeError(prefix string, err error) error {
	if err == nil {
		return nil
	}
	var leaves []*mapstructure.DecodeError
	collectDecodeErrors(err, &leaves)
	if len(leaves) == 0 {
		return fmt.Errorf("%s%w: %w", prefixColon(prefix), ErrInvalidValue, err)
	}
	errs := make([]error, 0, len(leaves))
	seen := map[string]bool{}
	for _, de := range leaves {
		msg := problem(de.Unwrap())
		path := joinPath(prefix, de.Name())
		if seen[path+msg] {
			continue
		}
		seen[path+msg] = true
		if strings.HasPrefix(msg, "has invalid keys: ") {
			errs = append(errs, fmt.Errorf("%s: %w: %s", path, ErrUnknownKey, strings.TrimPrefix(msg, "has invalid keys: ")))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %w: %s", path, ErrInvalidValue, msg))
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// collectDecodeErrors finds the innermost DecodeErrors of err.
func collectDecodeErrors(err error, out *[]*mapstructure.DecodeError) {
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		for _, c := range e.Unwrap() {
			collectDecodeErrors(c, out)
		}
		return
	case *mapstructure.DecodeError:
		n := len(*out)
		if inner := e.Unwrap(); inner != nil {
			collectDecodeErrors(inner, out)
		}
		if len(*out) == n {
			*out = append(*out, e)
		}
		return
	}
	if inner := errors.Unwrap(err); inner != nil {
		collectDecodeErrors(inner, out)
	}
}

// problem words a leaf error for a user: the value and what was wanted.
func problem(err error) string {
	var ute *mapstructure.UnconvertibleTypeError
	if errors.As(err, &ute) {
		return fmt.Sprintf("%s is not %s", describe(ute.Value), kindName(ute.Expected.Type()))
	}
	var pe *mapstructure.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s is not %s", describe(pe.Value), kindName(pe.Expected.Type()))
	}
	return err.Error()
}

// describe shows a raw config value in a message.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "an empty value"
	case string:
		return fmt.Sprintf("%q", t)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%v", v)
}

// kindName says what a Go type is in config terms.
func kindName(t reflect.Type) string {
	switch t {
	case durationType:
		return "a duration"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

func joinPath(prefix, name string) string {
	switch {
	case prefix == "":
		return name
	case name == "":
		return prefix
	case strings.HasPrefix(name, "["):
		return prefix + name
	}
	return prefix + "." + name
}

func prefixColon(prefix string) string {
	if prefix == "" {
		return ""
	}
	return prefix + ": "
}

// withoutUnknownKeys drops the unknown-key errors from decodeError's
// result, keeping the rest; nil when nothing is left.
func withoutUnknownKeys(err error) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		if errors.Is(err, ErrUnknownKey) {
			return nil
		}
		return err
	}
	var keep []error
	for _, e := range j.Unwrap() {
		if !errors.Is(e, ErrUnknownKey) {
			keep = append(keep, e)
		}
	}
	return errors.Join(keep...)
}
