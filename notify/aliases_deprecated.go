package notify

import (
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
)

// Second names of the types endpoints use. Each type has one import path,
// the package that defines it: dispatcher for what endpoints receive and
// return, transport for priorities. These names remain so that code
// written against them keeps compiling.
type (
	// Notification is dispatcher.Notification.
	//
	// Deprecated: use dispatcher.Notification.
	Notification = dispatcher.Notification
	// Metadata is dispatcher.Metadata.
	//
	// Deprecated: use dispatcher.Metadata.
	Metadata = dispatcher.Metadata
	// Result is dispatcher.Result.
	//
	// Deprecated: use dispatcher.Result.
	Result = dispatcher.Result
	// Priority is transport.Priority.
	//
	// Deprecated: use transport.Priority.
	Priority = transport.Priority
	// Filter is dispatcher.Filter.
	//
	// Deprecated: use dispatcher.Filter.
	Filter = dispatcher.Filter
	// FilterSpec is dispatcher.FilterSpec.
	//
	// Deprecated: use dispatcher.FilterSpec.
	FilterSpec = dispatcher.FilterSpec
)

// The results dispatcher defines, under second names.
var (
	// Handled is dispatcher.Handled.
	//
	// Deprecated: use dispatcher.Handled.
	Handled = dispatcher.Handled
	// Requeue is dispatcher.Requeue.
	//
	// Deprecated: use dispatcher.Requeue.
	Requeue = dispatcher.Requeue
)

// RequeueWith is dispatcher.RequeueWith.
//
// Deprecated: use dispatcher.RequeueWith.
func RequeueWith(err error) dispatcher.Result { return dispatcher.RequeueWith(err) }

// Reject is dispatcher.Reject.
//
// Deprecated: use dispatcher.Reject.
func Reject(err error) dispatcher.Result { return dispatcher.Reject(err) }

// NewFilter is dispatcher.NewFilter.
//
// Deprecated: use dispatcher.NewFilter.
func NewFilter(spec dispatcher.FilterSpec) (*dispatcher.Filter, error) {
	return dispatcher.NewFilter(spec)
}

// The seven priorities, under second names.
//
// Deprecated: use transport.Audit, transport.Debug, transport.Info,
// transport.Warn, transport.Error, transport.Critical and transport.Sample.
const Audit, Debug, Info, Warn, Error, Critical, Sample = transport.Audit, transport.Debug, transport.Info, transport.Warn, transport.Error, transport.Critical, transport.Sample
