package dispatcher

import (
	"context"

	"github.com/harkmq/hark/transport"
)

// An endpoint is any value implementing one or more of the per-priority
// interfaces below (oslo: an object with methods named after priorities).

// AuditEndpoint handles audit notifications.
type AuditEndpoint interface {
	Audit(ctx context.Context, n *Notification) Result
}

// DebugEndpoint handles debug notifications.
type DebugEndpoint interface {
	Debug(ctx context.Context, n *Notification) Result
}

// InfoEndpoint handles info notifications.
type InfoEndpoint interface {
	Info(ctx context.Context, n *Notification) Result
}

// WarnEndpoint handles warn notifications.
type WarnEndpoint interface {
	Warn(ctx context.Context, n *Notification) Result
}

// ErrorEndpoint handles error notifications.
type ErrorEndpoint interface {
	Error(ctx context.Context, n *Notification) Result
}

// CriticalEndpoint handles critical notifications.
type CriticalEndpoint interface {
	Critical(ctx context.Context, n *Notification) Result
}

// SampleEndpoint handles sample notifications.
type SampleEndpoint interface {
	Sample(ctx context.Context, n *Notification) Result
}

// Batch endpoints take every notification of one priority in a batch, in
// arrival order. The method names are the same as the single forms (as in
// oslo); a type implements one form or the other.

// AuditBatchEndpoint handles batches of audit notifications.
type AuditBatchEndpoint interface {
	Audit(ctx context.Context, ns []*Notification) Result
}

// DebugBatchEndpoint handles batches of debug notifications.
type DebugBatchEndpoint interface {
	Debug(ctx context.Context, ns []*Notification) Result
}

// InfoBatchEndpoint handles batches of info notifications.
type InfoBatchEndpoint interface {
	Info(ctx context.Context, ns []*Notification) Result
}

// WarnBatchEndpoint handles batches of warn notifications.
type WarnBatchEndpoint interface {
	Warn(ctx context.Context, ns []*Notification) Result
}

// ErrorBatchEndpoint handles batches of error notifications.
type ErrorBatchEndpoint interface {
	Error(ctx context.Context, ns []*Notification) Result
}

// CriticalBatchEndpoint handles batches of critical notifications.
type CriticalBatchEndpoint interface {
	Critical(ctx context.Context, ns []*Notification) Result
}

// SampleBatchEndpoint handles batches of sample notifications.
type SampleBatchEndpoint interface {
	Sample(ctx context.Context, ns []*Notification) Result
}

// Filterer is an endpoint that carries a filter (oslo's filter_rule): the
// endpoint is called only for notifications the filter matches.
type Filterer interface {
	Filter() *Filter
}

// Namer is an endpoint with a name, used in logs, metrics and dead-letter
// records. Endpoints without one are named after their type.
type Namer interface {
	Name() string
}

// Prioritizer is an endpoint that declares which of its priority methods
// are in use: it is bound only to those, and a listener subscribes only to
// them. This lets one type with all seven methods serve configured
// priority sets (harkd's endpoints). Declaring a priority without its
// method is an error.
type Prioritizer interface {
	Priorities() []transport.Priority
}
