package config

import (
	"fmt"
	"strconv"
	"strings"
)

// expansion is one ${VAR} that was replaced by the variable's value: where
// (the key path), which variable, and the value. Secrets uses them.
type expansion struct{ path, name, value string }

// expandEnv replaces ${VAR} and ${VAR:-default} in every string value of
// the tree v (a map or list from the YAML file), in place. "$${" is a
// literal "${". A lone "$" is left alone, so regular expressions such as
// '^active$' need no escaping. path names v in errors. seen, if not nil,
// is told of every variable whose value was used.
func expandEnv(path string, v any, lookup func(string) (string, bool), seen func(expansion)) error {
	expand := func(p, s string) (string, error) {
		out, err := expandString(s, func(name string) (string, bool) {
			val, ok := lookup(name)
			if ok && seen != nil {
				seen(expansion{path: p, name: name, value: val})
			}
			return val, ok
		})
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		return out, nil
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if s, ok := t[k].(string); ok {
				out, err := expand(p, s)
				if err != nil {
					return err
				}
				t[k] = out
				continue
			}
			if err := expandEnv(p, t[k], lookup, seen); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			p := path + "[" + strconv.Itoa(i) + "]"
			if s, ok := e.(string); ok {
				out, err := expand(p, s)
				if err != nil {
					return err
				}
				t[i] = out
				continue
			}
			if err := expandEnv(p, e, lookup, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// expandString expands one value.
func expandString(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			// "$${": a literal "${"; drop the escaping '$'.
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("%w: unterminated ${ in %q (write $${ for a literal ${)", ErrInvalidValue, s)
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if !validEnvName(name) {
			return "", fmt.Errorf("%w: ${%s}: %q is not an environment variable name", ErrInvalidValue, expr, name)
		}
		val, ok := lookup(name)
		switch {
		case ok && (val != "" || !hasDef):
			b.WriteString(val)
		case hasDef:
			b.WriteString(def)
		default:
			return "", fmt.Errorf("%w: ${%s} (set it, or write ${%s:-default})", ErrMissingEnv, name, name)
		}
		s = s[i+end+1:]
	}
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
