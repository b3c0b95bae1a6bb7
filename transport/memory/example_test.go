package memory_test

import (
	"context"
	"fmt"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
)

func ExampleNewBroker() {
	ctx := context.Background()
	b := memory.NewBroker()
	defer b.Close()
	tr, err := b.Transport()
	if err != nil {
		panic(err)
	}
	defer tr.Close()

	notifications := target.Target{Topic: "notifications"} // on the default exchange, "openstack"

	// Sent before anyone listens: it waits for the non-pooled group.
	_ = tr.Send(ctx, notifications, transport.Info, transport.Message{Body: []byte(`{"event_type":"compute.instance.create.end"}`)})

	l, err := tr.Listen(ctx, transport.ListenConfig{
		Targets:       []target.Target{notifications},
		Priorities:    []transport.Priority{transport.Info},
		MaxDeliveries: 2,
	})
	if err != nil {
		panic(err)
	}
	defer l.Close()

	d, _ := l.Next(ctx)
	fmt.Printf("%s via %s (%s), delivery %d\n", d.Message().Body, d.Source().Target, d.Source().Priority, d.Deliveries())
	_ = d.Requeue(ctx, 0) // handler failed: try again

	d, _ = l.Next(ctx)
	fmt.Printf("delivery %d\n", d.Deliveries())
	_ = d.Requeue(ctx, 0) // failed again: MaxDeliveries reached, so dead-lettered

	// The dead-letter record waits on "notifications.dlq" with the source priority.
	dlq, _ := tr.Listen(ctx, transport.ListenConfig{
		Targets:    []target.Target{{Topic: "notifications" + transport.DeadLetterSuffix}},
		Priorities: []transport.Priority{transport.Info},
	})
	defer dlq.Close()
	r, _ := dlq.Next(ctx)
	rec, _ := transport.ParseDeadLetter(r.Message())
	fmt.Printf("dead letter: %s after %d deliveries: %s\n", rec.Info.Reason, rec.Deliveries, rec.Original.Body)
	_ = r.Ack(ctx)

	// Output:
	// {"event_type":"compute.instance.create.end"} via openstack/notifications (info), delivery 1
	// delivery 2
	// dead letter: max_deliveries after 2 deliveries: {"event_type":"compute.instance.create.end"}
}
