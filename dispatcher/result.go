package dispatcher

import "fmt"

// Action is what should happen to a notification after dispatch.
type Action int

// The actions, from mildest to strongest.
const (
	// ActionHandled acknowledges the notification.
	ActionHandled Action = iota
	// ActionRequeue redelivers it later (or drops it when the listener
	// does not allow requeue, as oslo does).
	ActionRequeue
	// ActionReject dead-letters it at once, without retries.
	ActionReject
)

// String returns "handled", "requeue" or "reject".
func (a Action) String() string {
	switch a {
	case ActionHandled:
		return "handled"
	case ActionRequeue:
		return "requeue"
	case ActionReject:
		return "reject"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Result is what an endpoint returns: an action and, optionally, the error
// behind it (kept as the dead-letter record's last error). Compare results
// with Action(), not ==.
type Result struct {
	action Action
	err    error
}

// Handled acknowledges the notification (oslo's NotificationResult.HANDLED).
var Handled = Result{action: ActionHandled}

// Requeue asks for redelivery (oslo's NotificationResult.REQUEUE).
var Requeue = Result{action: ActionRequeue}

// RequeueWith asks for redelivery and records err as the reason.
func RequeueWith(err error) Result { return Result{action: ActionRequeue, err: err} }

// Reject dead-letters the notification at once, with err as the reason:
// for failures that retrying cannot fix (a webhook's 4xx, a schema error).
func Reject(err error) Result { return Result{action: ActionReject, err: err} }

// Action returns what should happen to the notification.
func (r Result) Action() Action { return r.action }

// Err returns the error behind a requeue or rejection, or nil.
func (r Result) Err() error { return r.err }

// String returns the action, with the error when there is one.
func (r Result) String() string {
	if r.err != nil {
		return r.action.String() + ": " + r.err.Error()
	}
	return r.action.String()
}
