package config

import "errors"

// Sentinel errors; the errors Load and Validate return wrap one of them and
// name the key path and the bad value.
var (
	// ErrUnknownKey: a key the config does not have (a typo, usually).
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalidValue: a value of the wrong type or outside its range.
	ErrInvalidValue = errors.New("invalid value")
	// ErrMissingEnv: ${VAR} names an environment variable that is not set
	// and has no default.
	ErrMissingEnv = errors.New("environment variable not set")
	// ErrFile: the config file could not be read or parsed.
	ErrFile = errors.New("config file")
)
