// Command quickstart is the smallest complete hark program: a listener and
// a notifier on the in-process memory transport. The info notification is
// handled at once; the error one is requeued on its first delivery and
// handled on the redelivery. Run it with: go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/memory" // registers memory:// (nats, rabbit likewise)
)

// Audit is an endpoint: its methods are named after the priorities it takes.
type Audit struct{ handled *sync.WaitGroup }

// Info decodes the payload and prints it.
func (a Audit) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	defer a.handled.Done()
	var p struct {
		InstanceID string `json:"instance_id"`
	}
	if err := n.Decode(&p); err != nil {
		return dispatcher.Reject(err) // dead-lettered at once: retrying cannot fix it
	}
	fmt.Printf("info %s from %s: instance %s\n", n.EventType, n.PublisherID, p.InstanceID)
	return dispatcher.Handled
}

// Error fails the first delivery, as an endpoint does when what it
// needs is briefly down, and handles the redelivery.
func (a Audit) Error(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	if n.Metadata.Deliveries == 1 {
		fmt.Printf("error %s, delivery 1: requeued\n", n.EventType)
		return dispatcher.Requeue // redelivered after the backoff; dead-lettered after 5 deliveries
	}
	defer a.handled.Done()
	fmt.Printf("error %s, delivery %d: handled\n", n.EventType, n.Metadata.Deliveries)
	return dispatcher.Handled
}

func main() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "memory://")
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	var handled sync.WaitGroup
	l, err := notify.NewListener(tr, []target.Target{{Topic: "notifications"}}, []any{Audit{&handled}},
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, MaxDeliveries: 5,
			Backoff: []time.Duration{100 * time.Millisecond, time.Second}}))
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Start(ctx); err != nil {
		log.Fatal(err)
	}

	n, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.host1"), notify.WithTopics("notifications"))
	if err != nil {
		log.Fatal(err)
	}
	handled.Add(2)
	err = n.Info(ctx, notify.Context{"request_id": "req-1"}, "compute.instance.create.end",
		map[string]any{"instance_id": "i-1"})
	if err != nil {
		log.Fatal(err)
	}
	err = n.Error(ctx, nil, "compute.instance.create.error", map[string]any{"instance_id": "i-2"})
	if err != nil {
		log.Fatal(err)
	}

	// Delivery is asynchronous: wait until both are handled, then stop
	// the listener, letting anything in flight settle.
	handled.Wait()
	l.Stop()
	if err := l.Wait(ctx); err != nil {
		log.Fatal(err)
	}
}
