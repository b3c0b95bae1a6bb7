package dispatcher_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/harkmq/hark/dispatcher"
)

func ExampleNewFilter() {
	f, err := dispatcher.NewFilter(dispatcher.FilterSpec{
		EventType: `compute\.instance\.`, // re.match: anchored at the start only
		Payload:   map[string]string{"state": "^active$"},
	})
	if err != nil {
		panic(err)
	}
	n := &dispatcher.Notification{
		EventType: "compute.instance.create.end",
		Payload:   json.RawMessage(`{"state": "active", "memory_mb": 512}`),
	}
	fmt.Println(f, f.Match(n))

	n.Payload = json.RawMessage(`{"state": "building"}`)
	fmt.Println(f.Match(n))

	_, err = dispatcher.NewFilter(dispatcher.FilterSpec{Payload: map[string]string{"state": "(?!deleted)"}})
	fmt.Println(errors.Is(err, dispatcher.ErrInvalidFilter))
	// Output:
	// filter{event_type=~"compute\\.instance\\." payload.state=~"^active$"} true
	// false
	// true
}

// Billing is an endpoint: it handles info and error notifications.
type Billing struct{}

func (Billing) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	fmt.Println("billing info:", n.EventType)
	return dispatcher.Handled
}

func (Billing) Error(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return dispatcher.RequeueWith(fmt.Errorf("billing is down, retry %s later", n.Metadata.MessageID))
}

func ExampleNew() {
	d, err := dispatcher.New([]any{Billing{}})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Priorities())

	ctx := context.Background()
	out := d.Dispatch(ctx, &dispatcher.Notification{Priority: dispatcher.Info, EventType: "compute.instance.create.end"})
	fmt.Println(out.Result)

	out = d.Dispatch(ctx, &dispatcher.Notification{Priority: dispatcher.Error, Metadata: dispatcher.Metadata{MessageID: "m-1"}})
	fmt.Println(out.Endpoint, out.Result)

	out = d.Dispatch(ctx, &dispatcher.Notification{Priority: dispatcher.Sample})
	fmt.Println(out.Result)
	// Output:
	// [info error]
	// billing info: compute.instance.create.end
	// handled
	// dispatcher_test.Billing requeue: billing is down, retry m-1 later
	// handled
}
