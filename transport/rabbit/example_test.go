package rabbit_test

import (
	"context"
	"log"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/rabbit" // registers rabbit://, amqp://, kombu://, amqps://
)

// A transport_url copied from nova.conf, oslo options included, opens a
// RabbitMQ transport.
func Example() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "rabbit://nova:secret@rabbit1:5672,nova:secret@rabbit2:5672/?amqp_durable_queues=true&rabbit_qos_prefetch_count=100")
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	l, err := tr.Listen(ctx, transport.ListenConfig{
		Targets:    []target.Target{{Exchange: "nova", Topic: "notifications"}},
		Priorities: []transport.Priority{transport.Info, transport.Error},
		Pool:       "billing",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	d, err := l.Next(ctx)
	if err != nil {
		log.Fatal(err)
	}
	_ = d.Ack(ctx)
}
