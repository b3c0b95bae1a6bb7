package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/v2"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix is the prefix of the environment variables Load reads.
const EnvPrefix = "HARK_"

// Options says where Load reads settings from. The zero value loads the
// defaults only.
type Options struct {
	// File is the YAML config file; "" = none.
	File string
	// Environ is the environment as os.Environ returns it: the HARK_*
	// variables are settings, and ${VAR} in the file is expanded from it.
	// nil = an empty environment (tests); programs pass os.Environ().
	Environ []string
	// Overrides are settings from the command line, by key path
	// ("transport_url", "log.level"); they win over everything else.
	Overrides map[string]any
}

// Load reads the defaults, the file, the environment and the overrides, in
// that order, into a Config, and validates it. Every error names the key
// path and, where there is one, the bad value; several problems are
// reported together.
func Load(o Options) (*Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(defaults(), ""), nil); err != nil {
		return nil, fmt.Errorf("config defaults: %w", err)
	}

	// Problems are collected rather than returned one by one, so a user
	// fixing a config sees every typo in one run.
	var errs []error
	lookup := lookupFunc(o.Environ)
	endpointsRaw, fileEndpoints := defaultEndpoints(), false
	var expanded []expansion
	if o.File != "" {
		raw, err := readFile(o.File)
		if err != nil {
			return nil, err
		}
		if err := expandEnv("", raw, lookup, func(x expansion) { expanded = append(expanded, x) }); err != nil {
			errs = append(errs, err)
		}
		if err := checkTopKeys(raw); err != nil {
			errs = append(errs, err)
		}
		if eps, ok := raw["endpoints"]; ok {
			list, ok := eps.([]any)
			if !ok {
				errs = append(errs, fmt.Errorf("endpoints: %w: want a list of endpoints, got %s", ErrInvalidValue, describe(eps)))
			} else {
				endpointsRaw, fileEndpoints = list, true
			}
			delete(raw, "endpoints")
		}
		if err := k.Load(confmap.Provider(raw, ""), nil); err != nil {
			errs = append(errs, err)
		}
	}

	var warnings []string
	envMap, err := readEnv(o.Environ, &warnings)
	if err != nil {
		errs = append(errs, err)
	} else if err := k.Load(confmap.Provider(envMap, ""), nil); err != nil {
		errs = append(errs, fmt.Errorf("environment: %w", err))
	}

	if len(o.Overrides) > 0 {
		ov := confmap.Provider(o.Overrides, ".")
		m, _ := ov.Read()
		if err := checkTopKeys(m); err != nil {
			errs = append(errs, fmt.Errorf("command line: %w", err))
		} else if err := k.Load(ov, nil); err != nil {
			errs = append(errs, fmt.Errorf("command line: %w", err))
		}
	}

	c := &Config{}
	// Unknown keys were reported above with their full paths; decoding
	// still catches any that slipped through, but its coarser message is
	// noise next to those.
	if err := decode(k.Raw(), c, true); err != nil {
		if len(errs) > 0 {
			err = withoutUnknownKeys(err)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for i, raw := range endpointsRaw {
		e, err := decodeEndpoint(fmt.Sprintf("endpoints[%d]", i), raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.Endpoints = append(c.Endpoints, e)
	}
	if err := errors.Join(errs...); err != nil {
		if o.File != "" {
			return nil, fmt.Errorf("%s: %w", o.File, err)
		}
		return nil, err
	}
	c.Warnings = warnings
	c.expanded = expanded
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if fileEndpoints {
		// The default log endpoint made quiet by log.level is a choice,
		// not a slip: only the file's endpoints are checked.
		c.Warnings = append(c.Warnings, c.silentLogEndpoints()...)
	}
	return c, nil
}

// readFile reads and parses the YAML file. An empty file is an empty
// config (all defaults).
func readFile(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFile, err)
	}
	raw := map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w %s: %w", ErrFile, path, err)
	}
	if raw == nil {
		raw = map[string]any{}
	}
	return raw, nil
}

// readEnv turns HARK_* variables into a nested map: HARK_LISTENER__POOL ->
// listener.pool. Variables whose first segment is a config section but
// whose key is unknown are errors (HARK_LISTENER__WROKERS is meant for
// harkd and wrong); variables outside the config's sections are ignored
// with a warning, since other tools share the prefix (HARK_TEST_*, the
// CLI's settings). The endpoints list cannot be set from the environment.
func readEnv(environ []string, warnings *[]string) (map[string]any, error) {
	var errs []error
	p := env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(name, value string) (string, any) {
			key := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
			key = strings.ReplaceAll(key, "__", ".")
			top, _, _ := strings.Cut(key, ".")
			switch {
			case top == "endpoints":
				errs = append(errs, fmt.Errorf("%s: %w: endpoints can only be set in the config file", name, ErrUnknownKey))
				return "", nil
			case !isTopKey(top):
				*warnings = append(*warnings, fmt.Sprintf("ignoring environment variable %s: %q is not a config key", name, key))
				return "", nil
			}
			if err := checkPath(key); err != nil {
				errs = append(errs, fmt.Errorf("environment variable %s: %w", name, err))
				return "", nil
			}
			return key, value
		},
	})
	m, err := p.Read()
	if err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// lookupFunc returns a lookup in environ (KEY=value lines).
func lookupFunc(environ []string) func(string) (string, bool) {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// decode decodes raw into out, strictly (unknown keys are errors). weak
// allows the string-to-type conversions environment variables need
// ("64" -> 64, "1s,10s" -> a list); the endpoints, which only come from
// the file, are decoded without it, so a quoted number there is a type
// error rather than a guess.
func decode(raw map[string]any, out any, weak bool) error {
	hooks := []mapstructure.DecodeHookFunc{}
	if weak {
		hooks = append(hooks, commaListHook())
	}
	hooks = append(hooks, durationHook(), mapstructure.TextUnmarshallerHookFunc())
	d, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		TagName:          "koanf",
		ErrorUnused:      true,
		WeaklyTypedInput: weak,
		DecodeHook:       mapstructure.ComposeDecodeHookFunc(hooks...),
		Result:           out,
	})
	if err != nil {
		return fmt.Errorf("config decoder: %w", err)
	}
	return decodeError("", d.Decode(raw))
}
