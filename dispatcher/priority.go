package dispatcher

import "github.com/harkmq/hark/transport"

// Priority is a notification priority; see transport.Priority.
type Priority = transport.Priority

// The seven priorities, re-exported for endpoint authors.
const (
	Audit    = transport.Audit
	Debug    = transport.Debug
	Info     = transport.Info
	Warn     = transport.Warn
	Error    = transport.Error
	Critical = transport.Critical
	Sample   = transport.Sample
)
