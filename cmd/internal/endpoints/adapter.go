package endpoints

import (
	"context"

	"github.com/harkmq/hark/cmd/internal/redact"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
)

// Why adapters declare priorities: the dispatcher binds an endpoint to the
// priorities whose methods it has, and a listener subscribes to the union.
// An endpoint configured with priorities [info, error] must not make the
// listener consume (and acknowledge) debug or sample notifications nobody
// asked for from queues other consumers may share (oslo's non-pooled
// group). The adapters implement all seven methods and declare the
// configured set through dispatcher.Prioritizer, so they are bound to that
// set alone.

// adapter is what both adapter forms wrap: the endpoint's name (for logs,
// metrics and dead letters), its filter, its priorities, its handler, and
// the redactor of the errors the handler returns.
type adapter struct {
	name       string
	filter     *dispatcher.Filter
	priorities []transport.Priority
	h          Handler
	redactor   *redact.Redactor
}

// Priorities returns the configured priorities (dispatcher.Prioritizer).
func (a *adapter) Priorities() []transport.Priority { return a.priorities }

// Name returns the configured name (dispatcher.Namer).
func (a *adapter) Name() string { return a.name }

// Filter returns the configured filter, nil for none (dispatcher.Filterer).
func (a *adapter) Filter() *dispatcher.Filter { return a.filter }

func (a *adapter) handle(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	return a.redacted(a.h.Handle(ctx, n))
}

func (a *adapter) handleBatch(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return a.redacted(a.h.HandleBatch(ctx, ns))
}

// redacted returns r with configured secrets removed from its error: the
// error becomes the dead letter's last_error and is logged, and an
// endpoint's error may carry a URL, a response body or a command's
// output.
func (a *adapter) redacted(r dispatcher.Result) dispatcher.Result {
	err := r.Err()
	red := a.redactor.Error(err)
	if red == err {
		return r
	}
	switch r.Action() {
	case dispatcher.ActionReject:
		return dispatcher.Reject(red)
	case dispatcher.ActionRequeue:
		return dispatcher.RequeueWith(red)
	}
	return r
}

// priorityMask returns the bit set of ps (bit i = transport.Priorities()[i]).
func priorityMask(ps []transport.Priority) uint8 {
	var m uint8
	for i, p := range transport.Priorities() {
		for _, q := range ps {
			if p == q {
				m |= 1 << i
			}
		}
	}
	return m
}
