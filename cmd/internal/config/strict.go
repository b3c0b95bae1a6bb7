package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"errors"
)

// Strict key checking. mapstructure's ErrorUnused reports unknown keys as
// "'listener' has invalid keys: wrokers"; these checks run first so the
// message names the full path ("listener.wrokers") and the valid keys,
// and report every typo at once.

var configType = reflect.TypeFor[Config]()

// checkTopKeys checks every key of a raw config tree (file or merged)
// against Config. The endpoints list is checked per endpoint by
// decodeEndpoint, since its valid keys depend on the endpoint type.
func checkTopKeys(raw map[string]any) error {
	var errs []error
	for _, k := range sortedKeys(raw) {
		if k == "endpoints" {
			continue
		}
		f, ok := fieldByKey(configType, k)
		if !ok {
			errs = append(errs, unknownKey(k, configType))
			continue
		}
		checkValue(k, raw[k], f.Type, &errs)
	}
	return errors.Join(errs...)
}

// checkValue checks the keys of v (at path) against type t.
func checkValue(path string, v any, t reflect.Type, errs *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return // a type error, which decoding reports
		}
		for _, k := range sortedKeys(m) {
			f, ok := fieldByKey(t, k)
			if !ok {
				*errs = append(*errs, unknownKey(path+"."+k, t))
				continue
			}
			checkValue(path+"."+k, m[k], f.Type, errs)
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return
		}
		for i, e := range list {
			checkValue(path+"["+strconv.Itoa(i)+"]", e, t.Elem(), errs)
		}
	}
}

// checkPath checks a dotted key path from the environment.
func checkPath(path string) error {
	t := configType
	parts := strings.Split(path, ".")
	for i, p := range parts {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			if t.Kind() == reflect.Map {
				return nil // free-form keys
			}
			return fmt.Errorf("%w %s: %s is not a section", ErrUnknownKey, path, strings.Join(parts[:i], "."))
		}
		f, ok := fieldByKey(t, p)
		if !ok {
			return unknownKey(path, t)
		}
		t = f.Type
	}
	return nil
}

// isTopKey reports whether k is a top-level config key.
func isTopKey(k string) bool {
	_, ok := fieldByKey(configType, k)
	return ok
}

// fieldByKey finds the field of struct t whose koanf tag is key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tagName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// keysOf lists the config keys of struct t, sorted.
func keysOf(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k := tagName(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("koanf"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func unknownKey(path string, t reflect.Type) error {
	return fmt.Errorf("%s: %w (valid keys here: %s)", path, ErrUnknownKey, strings.Join(keysOf(t), ", "))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
