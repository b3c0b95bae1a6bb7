package dispatcher

import (
	"cmp"
	"context"
	"slices"

	"github.com/harkmq/hark/transport"
)

// BatchDispatcher dispatches batches of notifications to batch endpoints
// (oslo's BatchNotificationDispatcher). It is immutable and safe for
// concurrent use; it starts no goroutines and does no I/O besides logging.
type BatchDispatcher struct {
	routes routes[batchFunc]
	opts   options
}

// NewBatch returns a batch dispatcher over endpoints, in order, with the
// rules of New applied to the batch interfaces (InfoBatchEndpoint, ...): an
// endpoint that implements none of them, or is nil, is an error wrapping
// ErrNoHandler.
func NewBatch(endpoints []any, opts ...Option) (*BatchDispatcher, error) {
	r, err := bind(endpoints, batchMethods, singleMethods, true)
	if err != nil {
		return nil, err
	}
	return &BatchDispatcher{routes: r, opts: buildOptions(opts)}, nil
}

// Dispatch runs the batch endpoints over ns and returns one Outcome per
// notification, at the same index. No element of ns may be nil; priorities
// must already be lower case.
//
// With oslo's rules: ns is grouped by priority, groups in alphabetical order
// (audit, critical, debug, error, info, sample, warn) and arrival order
// within a group.
//   - A group whose priority is not one of the seven is Handled, with the
//     warning `Unknown priority "<p>"` logged once per notification.
//   - Otherwise each endpoint for the priority, in list order, is called
//     with the group's notifications its filter matches, in arrival order
//     (a fresh slice the endpoint may keep); it is skipped when none match.
//     The first result whose Action is not ActionHandled, or a panic
//     (RequeueWith(*PanicError), logged with its stack), becomes the Outcome
//     of every notification of the group, including those the endpoint's
//     filter excluded and those earlier endpoints handled, and the group's
//     remaining endpoints are skipped. Other groups are not affected.
func (b *BatchDispatcher) Dispatch(ctx context.Context, ns []*Notification) []Outcome {
	outs := make([]Outcome, len(ns)) // the zero Outcome is Handled
	order := make([]int, len(ns))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(ns[x].Priority, ns[y].Priority) })
	payloads := make([]payloadFields, len(ns))
	for start := 0; start < len(order); {
		p := ns[order[start]].Priority
		end := start + 1
		for end < len(order) && ns[order[end]].Priority == p {
			end++
		}
		b.dispatchGroup(ctx, p, ns, order[start:end], payloads, outs)
		start = end
	}
	return outs
}

// dispatchGroup dispatches the notifications ns[i] for i in group, all of
// priority p, and records their outcome in outs.
func (b *BatchDispatcher) dispatchGroup(ctx context.Context, p transport.Priority, ns []*Notification, group []int, payloads []payloadFields, outs []Outcome) {
	bs, ok := b.routes.byPriority[p]
	if !ok {
		if !p.Valid() {
			for _, i := range group {
				unknownPriority(&b.opts, ns[i])
			}
		}
		return
	}
	for k := range bs {
		bd := &bs[k]
		batch := make([]*Notification, 0, len(group))
		for _, i := range group {
			if bd.ep.filter.match(ns[i], &payloads[i]) {
				batch = append(batch, ns[i])
			}
		}
		if len(batch) == 0 {
			continue
		}
		r := invoke(&b.opts, bd.ep, p, len(batch), func() Result { return bd.fn(ctx, batch) })
		if r.Action() != ActionHandled {
			for _, i := range group {
				outs[i] = Outcome{Result: r, Endpoint: bd.ep.name}
			}
			return
		}
	}
}

// Priorities lists the priorities at least one endpoint handles, in oslo's
// order (audit, debug, info, warn, error, critical, sample). The slice is new
// on every call.
func (b *BatchDispatcher) Priorities() []transport.Priority { return slices.Clone(b.routes.priorities) }
