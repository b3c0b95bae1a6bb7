package dispatcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/harkmq/hark/dispatcher"
)

// benchNotification is a typical Nova notification: a payload of a dozen
// top-level keys, the one filters look at among them.
func benchNotification() *dispatcher.Notification {
	return &dispatcher.Notification{
		Context:     map[string]any{"user_id": "u1", "project_id": "p1", "request_id": "req-1"},
		PublisherID: "compute.host1",
		EventType:   "compute.instance.create.end",
		Priority:    dispatcher.Info,
		Payload: json.RawMessage(`{"instance_id": "9b0f3c2e-1c55-4b5e-9f4a-2f1c3e5d7a90", "display_name": "vm-1", ` +
			`"state": "active", "host": "host1", "memory_mb": 2048, "vcpus": 2, "root_gb": 20, ` +
			`"image_meta": {"min_disk": "20", "base_image_ref": "c7a0"}, "flavor": "m1.small", ` +
			`"created_at": "2026-11-24 07:30:47", "launched_at": "2026-11-24 07:30:52", "tenant_id": "p1"}`),
		Metadata: dispatcher.Metadata{MessageID: "de13a3b0-7c55-4b5e-9f4a-2f1c3e5d7a90", Timestamp: "2026-11-24 07:30:47.165823", Deliveries: 1},
	}
}

func benchFilter(b *testing.B, spec dispatcher.FilterSpec) *dispatcher.Filter {
	b.Helper()
	f, err := dispatcher.NewFilter(spec)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkFilterMatch is one filter on event_type and one payload key,
// matching: the payload's top level is decoded once per call.
func BenchmarkFilterMatch(b *testing.B) {
	f := benchFilter(b, dispatcher.FilterSpec{EventType: `^compute\.instance\.create\.`, Payload: map[string]string{"state": "^active$"}})
	n := benchNotification()
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(n) {
			b.Fatal("no match")
		}
	}
}

// benchEP is an info endpoint with a filter that does nothing else, so the
// benchmark measures the dispatcher.
type benchEP struct {
	name   string
	filter *dispatcher.Filter
}

func (e *benchEP) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}
func (e *benchEP) Filter() *dispatcher.Filter { return e.filter }
func (e *benchEP) Name() string               { return e.name }

// BenchmarkDispatch3EndpointsFiltered dispatches one notification to three
// info endpoints whose filters (event_type, publisher_id, payload keys) all
// match, so all three run: the payload is decoded once and shared.
func BenchmarkDispatch3EndpointsFiltered(b *testing.B) {
	eps := []any{
		&benchEP{"audit", benchFilter(b, dispatcher.FilterSpec{EventType: `^compute\.instance\.`, Payload: map[string]string{"state": "^active$"}})},
		&benchEP{"billing", benchFilter(b, dispatcher.FilterSpec{PublisherID: `^compute\.`, Payload: map[string]string{"flavor": "^m1\\."}})},
		&benchEP{"inventory", benchFilter(b, dispatcher.FilterSpec{EventType: `compute\.instance\.create\.end$`, Payload: map[string]string{"host": `^host\d+$`}})},
	}
	d, err := dispatcher.New(eps)
	if err != nil {
		b.Fatal(err)
	}
	n := benchNotification()
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if out := d.Dispatch(ctx, n); out.Result != dispatcher.Handled {
			b.Fatal(out)
		}
	}
}

// BenchmarkDispatchNEndpoints dispatches one notification to N info
// endpoints, unfiltered and each with an event_type filter, to show how
// dispatch cost grows with the endpoint list.
func BenchmarkDispatchNEndpoints(b *testing.B) {
	for _, n := range []int{1, 3, 10} {
		for _, filtered := range []bool{false, true} {
			b.Run(fmt.Sprintf("n=%d/filtered=%t", n, filtered), func(b *testing.B) {
				eps := make([]any, n)
				for i := range eps {
					ep := &benchEP{name: fmt.Sprintf("ep%d", i)}
					if filtered {
						ep.filter = benchFilter(b, dispatcher.FilterSpec{EventType: `^compute\.instance\.`})
					}
					eps[i] = ep
				}
				d, err := dispatcher.New(eps)
				if err != nil {
					b.Fatal(err)
				}
				n := benchNotification()
				ctx := b.Context()
				b.ReportAllocs()
				for b.Loop() {
					if out := d.Dispatch(ctx, n); out.Result != dispatcher.Handled {
						b.Fatal(out)
					}
				}
			})
		}
	}
}
