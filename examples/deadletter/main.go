// Command deadletter shows hark's answer to oslo's requeue storms: an
// endpoint that always fails is retried with a backoff, and after the
// maximum deliveries the notification goes to "<topic>.dlq" with its
// original bytes and the reason. Run it with: go run ./examples/deadletter
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/memory"
)

// flaky fails every time, as a handler whose database is down would.
type flaky struct{}

func (flaky) Name() string { return "flaky" }

func (flaky) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	fmt.Printf("delivery %d of %s: failing\n", n.Metadata.Deliveries, n.Metadata.MessageID)
	return dispatcher.RequeueWith(errors.New("database unavailable"))
}

func main() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "memory://")
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	topic := target.Target{Topic: "notifications"}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{flaky{}},
		notify.WithRequeue(notify.RequeuePolicy{
			Allow:         true,
			MaxDeliveries: 3,
			Backoff:       []time.Duration{100 * time.Millisecond, 200 * time.Millisecond},
		}))
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer func() { l.Stop(); _ = l.Wait(ctx) }()

	n, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.host1"))
	if err != nil {
		log.Fatal(err)
	}
	if err := n.Info(ctx, nil, "compute.instance.create.end", map[string]string{"instance_id": "i-1"}); err != nil {
		log.Fatal(err)
	}

	// Read the dead letter back with a plain transport listener.
	dlq, err := tr.Listen(ctx, transport.ListenConfig{
		Targets:    []target.Target{{Topic: "notifications.dlq"}},
		Priorities: transport.Priorities(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer dlq.Close()
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d, err := dlq.Next(wait)
	if err != nil {
		log.Fatal(err)
	}
	rec, err := transport.ParseDeadLetter(d.Message())
	if err != nil {
		log.Fatal(err)
	}
	_ = d.Ack(ctx)
	fmt.Printf("dead-lettered after %d deliveries: reason=%s endpoint=%s last_error=%q\n",
		rec.Deliveries, rec.Info.Reason, rec.Info.Endpoint, rec.Info.LastError)
	fmt.Printf("original body kept (%d bytes), replay to %s priority %s\n",
		len(rec.Original.Body), rec.Source.Target, rec.Source.Priority)
}
