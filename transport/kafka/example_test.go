package kafka_test

import (
	"context"
	"log"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/kafka" // registers kafka://
)

// A transport_url copied from nova.conf, oslo's kafka options included,
// opens a Kafka transport; a pool is a consumer group.
func Example() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "kafka://nova:secret@kafka1:9092,kafka2:9092/?security_protocol=SASL_SSL&sasl_mechanism=SCRAM-SHA-512&compression_codec=zstd")
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	l, err := tr.Listen(ctx, transport.ListenConfig{
		Targets:       []target.Target{{Topic: "notifications"}},
		Priorities:    []transport.Priority{transport.Info, transport.Error},
		Pool:          "billing",
		MaxDeliveries: 5,
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
