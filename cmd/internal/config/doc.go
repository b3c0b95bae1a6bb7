// Package config loads, validates and prints harkd's configuration.
//
// Settings are layered, later layers winning: built-in defaults, the YAML
// file, HARK_* environment variables ("__" nests: HARK_LISTENER__POOL sets
// listener.pool), then command-line overrides. String values in the file
// may refer to environment variables as ${VAR} or ${VAR:-default}, which
// keeps secrets out of the file.
//
// Loading is strict: an unknown key, a value of the wrong type, a bad
// duration, a bad regular expression, an unknown endpoint type or priority
// is an error that names the key path (e.g. "listener.requeue.backoff[1]",
// "endpoints[2].filter.event_type") and the bad value. Validate checks what
// the types cannot express.
//
// Secrets says which values are secret (URL credentials, paths and
// queries of webhook URLs, header and exec env values, secret-named
// ${VAR}s); harkd redacts them by value from its logs, dead letters,
// readiness answers and metric labels (package redact), and YAML prints
// the config with them hidden, whatever the header or variable is called.
//
// The shape is that of the harkd contract in DESIGN.md; the config has one
// listener block today, and Config.Listeners returns a list so that more
// blocks ("listeners:") are an addition, not a rewrite.
package config
