package nats_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/nats/embedded"
	"github.com/harkmq/hark/transport/oslo"
)

// A notification sent before any listener started waits for the
// non-pooled group, on an embedded server reached in-process.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "hark-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	srv, err := embedded.Start(embedded.Config{StoreDir: dir}) // no TCP listener
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown(ctx)

	u, err := transport.ParseURL("nats://?ack_wait=1m")
	if err != nil {
		log.Fatal(err)
	}
	tr, err := nats.Open(ctx, u, transport.Options{}, nats.WithNATSOptions(srv.ConnectOption()))
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	msg, err := oslo.EncodeNotification(&oslo.OsloMessage{
		MessageID:   "5d9c7f0e-2b1a-4c3d-8e9f-0a1b2c3d4e5f",
		PublisherID: "compute.host1",
		EventType:   "compute.instance.create.end",
		Priority:    "INFO",
		Payload:     []byte(`{"instance_id": "abc"}`),
		Timestamp:   "2026-11-24 08:00:00.000000",
	}, oslo.EncodeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	notifications := target.Target{Topic: "notifications"} // exchange "openstack"
	if err := tr.Send(ctx, notifications, transport.Info, msg); err != nil {
		log.Fatal(err)
	}

	l, err := tr.Listen(ctx, transport.ListenConfig{
		Targets:    []target.Target{notifications},
		Priorities: []transport.Priority{transport.Info, transport.Error},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	d, err := l.Next(ctx)
	if err != nil {
		log.Fatal(err)
	}
	n, err := oslo.DecodeNotification(d.Message())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Source().Target, d.Source().Priority, n.EventType, "delivery", d.Deliveries())
	if err := d.Ack(ctx); err != nil {
		log.Fatal(err)
	}
	// Output: openstack/notifications info compute.instance.create.end delivery 1
}
