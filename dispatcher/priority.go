package dispatcher

import "github.com/harkmq/hark/transport"

// Priority is transport.Priority under a second name.
//
// Deprecated: use transport.Priority, the one name of the type.
type Priority = transport.Priority

// The seven priorities under a second name.
//
// Deprecated: use transport.Audit, transport.Debug, transport.Info,
// transport.Warn, transport.Error, transport.Critical and transport.Sample.
const (
	// Deprecated: use transport.Audit.
	Audit = transport.Audit
	// Deprecated: use transport.Debug.
	Debug = transport.Debug
	// Deprecated: use transport.Info.
	Info = transport.Info
	// Deprecated: use transport.Warn.
	Warn = transport.Warn
	// Deprecated: use transport.Error.
	Error = transport.Error
	// Deprecated: use transport.Critical.
	Critical = transport.Critical
	// Deprecated: use transport.Sample.
	Sample = transport.Sample
)
