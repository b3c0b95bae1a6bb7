package dispatcher

import "github.com/harkmq/hark/transport"

// Priority is transport.Priority under a second name.
//
// Deprecated: use transport.Priority, the one name of the type.
type Priority = transport.Priority

// The seven priorities, under a second name.
//
// Deprecated: use transport.Audit, transport.Debug, transport.Info,
// transport.Warn, transport.Error, transport.Critical and transport.Sample.
const Audit, Debug, Info, Warn, Error, Critical, Sample = transport.Audit, transport.Debug, transport.Info, transport.Warn, transport.Error, transport.Critical, transport.Sample
