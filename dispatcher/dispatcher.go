package dispatcher

import (
	"context"
	"slices"

	"github.com/harkmq/hark/transport"
)

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
// It is immutable and safe for concurrent use; it starts no goroutines and
// does no I/O besides logging.
type Dispatcher struct {
	routes routes[singleFunc]
	opts   options
}

// New returns a dispatcher over endpoints, in order.
//
// Each endpoint is registered for every priority whose single-notification
// interface it implements (InfoEndpoint, ErrorEndpoint, ...). An endpoint
// that implements none of them, or is nil, is an error wrapping
// ErrNoHandler that names its index and type. An empty list is allowed:
// every notification is then Handled.
//
// An endpoint that implements Filterer is called only for notifications its
// filter matches; Filter is called once, here, and a nil *Filter matches
// everything. An endpoint is named by its Name method (Namer) when it has a
// non-empty one, else by its type as %T prints it ("*billing.Audit"); when
// several endpoints share a name, each gets "#<index>" appended.
func New(endpoints []any, opts ...Option) (*Dispatcher, error) {
	r, err := bind(endpoints, singleMethods, batchMethods, false)
	if err != nil {
		return nil, err
	}
	return &Dispatcher{routes: r, opts: buildOptions(opts)}, nil
}

// Dispatch runs the endpoints for n.Priority, with oslo's rules, and returns
// the combined outcome. n must not be nil; n.Priority must already be lower
// case (FromOslo does that), Dispatch does not fold it.
//
//   - A priority that is not one of the seven (including "") logs the
//     warning `Unknown priority "<p>"` and is Handled.
//   - Otherwise the priority's endpoints run in list order, skipping those
//     whose filter does not match. The first result whose Action is not
//     ActionHandled (Requeue, RequeueWith, Reject) stops the rest and is the
//     Outcome, with the endpoint's name. The zero Result is Handled.
//   - An endpoint that panics is treated as returning
//     RequeueWith(*PanicError), which stops the rest too; the panic is
//     logged at ERROR with its stack.
//   - With no endpoint for the priority, or none that matches, the Outcome
//     is Handled.
//
// Dispatch does not check ctx; it passes it to the endpoints.
func (d *Dispatcher) Dispatch(ctx context.Context, n *Notification) Outcome {
	bs, ok := d.routes.byPriority[n.Priority]
	if !ok {
		if !n.Priority.Valid() {
			unknownPriority(&d.opts, n)
		}
		return Outcome{Result: Handled}
	}
	var payload payloadFields
	for i := range bs {
		b := &bs[i]
		if !b.ep.filter.match(n, &payload) {
			continue
		}
		r := invoke(&d.opts, b.ep, n.Priority, 1, func() Result { return b.fn(ctx, n) })
		if r.Action() != ActionHandled {
			return Outcome{Result: r, Endpoint: b.ep.name}
		}
	}
	return Outcome{Result: Handled}
}

// Priorities lists the priorities at least one endpoint handles, in oslo's
// order (audit, debug, info, warn, error, critical, sample). The slice is new
// on every call.
func (d *Dispatcher) Priorities() []transport.Priority { return slices.Clone(d.routes.priorities) }
