package dispatcher_test

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/harkmq/hark/dispatcher"
)

// called is one endpoint call: which endpoint (its id), which method, and
// the notifications it was given.
type called struct {
	ep     string
	method string
	ns     []*dispatcher.Notification
}

// callLog records endpoint calls across endpoints, in call order.
type callLog struct {
	mu    sync.Mutex
	calls []called
}

func (l *callLog) add(c called) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

func (l *callLog) all() []called {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]called(nil), l.calls...)
}

// fake is the behaviour every test endpoint shares: it logs the call, then
// panics with panicWith if set, else returns ret.
type fake struct {
	id        string
	log       *callLog
	ret       dispatcher.Result
	panicWith any
}

func (f *fake) rec(method string, ns ...*dispatcher.Notification) dispatcher.Result {
	f.log.add(called{ep: f.id, method: method, ns: ns})
	switch f.panicWith.(type) {
	case nil:
	case nilPanic:
		panic(nil) //nolint:govet // testing that panic(nil) is recovered too
	default:
		panic(f.panicWith)
	}
	return f.ret
}

// Single-notification endpoints with the method sets oslo's tests use.

type warnEP struct{ *fake }

func (e warnEP) Warn(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("warn", n)
}

type infoEP struct{ *fake }

func (e infoEP) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("info", n)
}

type debugInfoEP struct{ *fake }

func (e debugInfoEP) Debug(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("debug", n)
}

func (e debugInfoEP) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("info", n)
}

type debugWarnEP struct{ *fake }

func (e debugWarnEP) Debug(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("debug", n)
}

func (e debugWarnEP) Warn(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("warn", n)
}

// filteredInfoEP is an info endpoint with a filter and a name.
type filteredInfoEP struct {
	*fake
	filter *dispatcher.Filter
}

func (e filteredInfoEP) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("info", n)
}

func (e filteredInfoEP) Filter() *dispatcher.Filter { return e.filter }

func (e filteredInfoEP) Name() string { return e.id }

// batchEP implements every batch method; it has a filter and a name.
type batchEP struct {
	*fake
	filter *dispatcher.Filter
}

func (e batchEP) Audit(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return e.rec("audit", ns...)
}

func (e batchEP) Debug(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return e.rec("debug", ns...)
}

func (e batchEP) Info(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return e.rec("info", ns...)
}

func (e batchEP) Warn(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return e.rec("warn", ns...)
}

func (e batchEP) Error(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return e.rec("error", ns...)
}

func (e batchEP) Critical(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return e.rec("critical", ns...)
}

func (e batchEP) Sample(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return e.rec("sample", ns...)
}

func (e batchEP) Filter() *dispatcher.Filter { return e.filter }

func (e batchEP) Name() string { return e.id }

// batchInfoEP implements the batch Info method only; it has no name.
type batchInfoEP struct{ *fake }

func (e batchInfoEP) Info(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return e.rec("info", ns...)
}

// notification returns a notification as oslo's test_dispatcher builds
// one, with the given priority.
func notification(p dispatcher.Priority) *dispatcher.Notification {
	return &dispatcher.Notification{
		Context:     map[string]any{},
		PublisherID: "compute01.manager",
		EventType:   "instance.create.start",
		Priority:    p,
		Payload:     json.RawMessage(`{"state": "active", "virtual_size": null}`),
		Metadata: dispatcher.Metadata{
			MessageID:  "99863dda-97f0-443a-a0c1-6ed317b7fd45",
			Timestamp:  "2014-03-03 18:21:04.369234",
			Deliveries: 1,
		},
	}
}

// mustFilter compiles spec or panics.
func mustFilter(spec dispatcher.FilterSpec) *dispatcher.Filter {
	f, err := dispatcher.NewFilter(spec)
	if err != nil {
		panic(err)
	}
	return f
}
