package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// commonEndpointKeys are the keys every endpoint has.
var commonEndpointKeys = []string{"name", "type", "priorities", "filter"}

// decodeEndpoint decodes one entry of the endpoints list. The valid keys
// depend on the type: "path" is a key of a file endpoint and an unknown
// key of a webhook.
func decodeEndpoint(path string, raw any) (Endpoint, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Endpoint{}, fmt.Errorf("%s: %w: want a mapping with at least a type, got %s", path, ErrInvalidValue, describe(raw))
	}
	typ, ok := m["type"].(string)
	switch {
	case m["type"] == nil:
		return Endpoint{}, fmt.Errorf("%s.type: %w: missing (one of %s)", path, ErrInvalidValue, strings.Join(Types(), ", "))
	case !ok:
		return Endpoint{}, fmt.Errorf("%s.type: %w: %s is not an endpoint type (one of %s)", path, ErrInvalidValue, describe(m["type"]), strings.Join(Types(), ", "))
	}
	opts := newOptions(typ)
	if opts == nil {
		return Endpoint{}, fmt.Errorf("%s.type: %w: unknown endpoint type %q (valid: %s)", path, ErrInvalidValue, typ, strings.Join(Types(), ", "))
	}

	common, rest := map[string]any{}, map[string]any{}
	for k, v := range m {
		if slices.Contains(commonEndpointKeys, k) {
			common[k] = v
		} else {
			rest[k] = v
		}
	}
	optType := reflect.TypeOf(opts).Elem()
	var errs []error
	for _, k := range sortedKeys(rest) {
		if _, ok := fieldByKey(optType, k); !ok {
			valid := append(slices.Clone(commonEndpointKeys), keysOf(optType)...)
			errs = append(errs, fmt.Errorf("%s.%s: %w for a %s endpoint (valid keys: %s)", path, k, ErrUnknownKey, typ, strings.Join(valid, ", ")))
		}
	}
	if f, ok := common["filter"].(map[string]any); ok {
		checkValue(path+".filter", f, reflect.TypeOf(Endpoint{}.Filter), &errs)
	}
	if err := errors.Join(errs...); err != nil {
		return Endpoint{}, err
	}

	var e Endpoint
	if err := decode(common, &e, false); err != nil {
		errs = append(errs, prefixErrors(path, err))
	}
	if err := decode(rest, opts, false); err != nil {
		errs = append(errs, prefixErrors(path, err))
	}
	if err := errors.Join(errs...); err != nil {
		return Endpoint{}, err
	}
	e.setOptions(opts)
	return e, nil
}

// prefixErrors puts path in front of each of decode's per-key errors
// (decode was given the endpoint's map, so its paths start there).
func prefixErrors(path string, err error) error {
	var out []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, prefixOne(path, e))
		}
		return errors.Join(out...)
	}
	return prefixOne(path, err)
}

func prefixOne(path string, err error) error {
	return &pathError{path: path, err: err}
}

// pathError is an error from inside an endpoint, with the endpoint's path
// in front.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.path + "." + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }
