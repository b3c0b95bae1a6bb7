package notify_test

import (
	"context"
	"fmt"

	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
	"github.com/harkmq/hark/transport/oslo"
)

// A notifier sends with oslo's messagingv2 driver to topic "notifications"
// on the default exchange "openstack"; here a raw transport listener reads
// the message back (notify.Listener does that for endpoints).
func ExampleNotifier() {
	ctx := context.Background()
	broker := memory.NewBroker()
	defer broker.Close()
	tr, err := broker.Transport()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()

	n, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.host1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = n.Info(ctx, notify.Context{"request_id": "req-1"}, "compute.instance.create.end",
		map[string]string{"instance_id": "i-1"})
	if err != nil {
		fmt.Println(err)
		return
	}

	l, err := tr.Listen(ctx, transport.ListenConfig{
		Targets:    []target.Target{{Topic: "notifications"}},
		Priorities: []transport.Priority{transport.Info},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	d, err := l.Next(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := oslo.DecodeNotification(d.Message())
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = d.Ack(ctx)
	fmt.Println("routed to:", d.Source().Target, d.Source().Priority)
	fmt.Println("envelope version:", m.Version)
	fmt.Println(m.PublisherID, m.EventType, m.Priority)
	fmt.Println("payload:", string(m.Payload))
	fmt.Println("context:", m.Context)
	// Output:
	// routed to: openstack/notifications info
	// envelope version: 2
	// compute.host1 compute.instance.create.end INFO
	// payload: {"instance_id": "i-1"}
	// context: map[request_id:req-1]
}
