package notify

import "github.com/harkmq/hark/transport"

// EventKind says what happened to a delivery.
type EventKind int

// The events a listener reports. Every delivery produces one Received and
// then exactly one of the others, except that a delivery left unsettled by
// a forced shutdown produces Abandoned.
const (
	// EventReceived: a delivery was taken from the transport.
	EventReceived EventKind = iota
	// EventAcked: handled and acknowledged.
	EventAcked
	// EventRequeued: given back for redelivery.
	EventRequeued
	// EventDeadLettered: written to the dead-letter destination (Reason
	// says why).
	EventDeadLettered
	// EventDropped: acknowledged without being handled (a requeue on a
	// listener that does not allow requeue).
	EventDropped
	// EventDuplicate: a recent duplicate (its id was recorded when an earlier
	// delivery was acknowledged, whatever that ack's outcome), acknowledged
	// without dispatch; emitted even if this acknowledgement fails.
	EventDuplicate
	// EventAbandoned: left unsettled (forced shutdown or a failed
	// settlement); the broker redelivers it.
	EventAbandoned
)

// String returns the event's name, e.g. "acked".
func (k EventKind) String() string {
	switch k {
	case EventReceived:
		return "received"
	case EventAcked:
		return "acked"
	case EventRequeued:
		return "requeued"
	case EventDeadLettered:
		return "dead_lettered"
	case EventDropped:
		return "dropped"
	case EventDuplicate:
		return "duplicate"
	case EventAbandoned:
		return "abandoned"
	}
	return "unknown"
}

// Event is one listener event.
type Event struct {
	Kind EventKind
	// Priority is the notification's priority from its body, or the
	// routing priority when the body could not be decoded. A body may
	// hold any string there: bound it (e.g. with Priority.Valid) before
	// using it as a metric label.
	Priority transport.Priority
	// Reason is the dead-letter reason (EventDeadLettered only).
	Reason string
	// Endpoint names the endpoint that decided the outcome, if any.
	Endpoint string
	// Pool is the listener's pool.
	Pool string
}

// WithObserver registers a function called for every listener event, e.g.
// to keep metrics. It must be fast and safe for concurrent use. Defaults
// to none.
func WithObserver(f func(Event)) ListenerOption {
	return func(o *listenerOptions) error {
		o.observer = f
		return nil
	}
}
