package dispatcher

import "context"

// Outcome is the result of dispatching one notification.
type Outcome struct {
	// Result is the combined result: the first non-handled endpoint result,
	// or Handled.
	Result Result
	// Endpoint names the endpoint that gave a non-handled result ("" when
	// Handled).
	Endpoint string
}

// Dispatcher dispatches single notifications (oslo's NotificationDispatcher).
type Dispatcher struct{ _ int }

// New returns a dispatcher over endpoints, in order.
func New(endpoints []any, opts ...Option) (*Dispatcher, error) { panic("not implemented") }

// Dispatch runs the endpoints for n.Priority.
func (d *Dispatcher) Dispatch(ctx context.Context, n *Notification) Outcome {
	panic("not implemented")
}

// Priorities lists the priorities at least one endpoint handles.
func (d *Dispatcher) Priorities() []Priority { panic("not implemented") }

// Option configures a dispatcher.
type Option func(*options)

type options struct{}
