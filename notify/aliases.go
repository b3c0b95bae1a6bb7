package notify

import (
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
)

// Types endpoint authors need, re-exported from dispatcher.
type (
	// Notification is one notification as endpoints see it.
	Notification = dispatcher.Notification
	// Metadata is a notification's message id, timestamp and delivery count.
	Metadata = dispatcher.Metadata
	// Result is what an endpoint returns.
	Result = dispatcher.Result
	// Priority is a notification priority.
	Priority = transport.Priority
	// Filter is a compiled endpoint filter.
	Filter = dispatcher.Filter
	// FilterSpec is a filter as written in config.
	FilterSpec = dispatcher.FilterSpec
)

// Context is a request context as notifiers send it (oslo's ctxt).
type Context = map[string]any

// Results, re-exported from dispatcher.
var (
	// Handled acknowledges the notification.
	Handled = dispatcher.Handled
	// Requeue asks for redelivery.
	Requeue = dispatcher.Requeue
)

// RequeueWith asks for redelivery and records err as the reason.
func RequeueWith(err error) Result { return dispatcher.RequeueWith(err) }

// Reject dead-letters the notification at once with err as the reason.
func Reject(err error) Result { return dispatcher.Reject(err) }

// NewFilter compiles a filter; see dispatcher.NewFilter.
func NewFilter(spec FilterSpec) (*Filter, error) { return dispatcher.NewFilter(spec) }

// The seven priorities.
const (
	Audit    = transport.Audit
	Debug    = transport.Debug
	Info     = transport.Info
	Warn     = transport.Warn
	Error    = transport.Error
	Critical = transport.Critical
	Sample   = transport.Sample
)
