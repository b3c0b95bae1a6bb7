package notify_test

import (
	"context"
	"fmt"
	"time"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/memory" // registers memory://
)

// Audit is an endpoint: it has a method for each priority it handles.
type Audit struct{ done chan string }

func (a Audit) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	var p struct {
		InstanceID string `json:"instance_id"`
	}
	if err := n.Decode(&p); err != nil {
		return dispatcher.Reject(err) // dead-lettered: retrying cannot fix a bad payload
	}
	a.done <- fmt.Sprintf("%s %s from %s (request %v, delivery %d)",
		n.EventType, p.InstanceID, n.PublisherID, n.Context["request_id"], n.Metadata.Deliveries)
	return dispatcher.Handled
}

// A listener in pool "billing" dispatches info notifications to Audit; a
// notifier sends one.
func ExampleListener() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "memory:///example-listener")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()

	done := make(chan string, 1)
	l, err := notify.NewListener(tr, []target.Target{{Topic: "notifications"}}, []any{Audit{done}},
		notify.WithPool("billing"),
		notify.WithExecutor(executor.Pooled(8)),
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, MaxDeliveries: 5, Backoff: []time.Duration{time.Second}}))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := l.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}

	n, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.host1"), notify.WithTopics("notifications"))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := n.Info(ctx, notify.Context{"request_id": "req-1"}, "compute.instance.create.end",
		map[string]string{"instance_id": "i-1"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(<-done)

	l.Stop()
	if err := l.Wait(ctx); err != nil {
		fmt.Println(err)
	}
	// Output: compute.instance.create.end i-1 from compute.host1 (request req-1, delivery 1)
}

// Samples is a batch endpoint: it receives every sample of a batch at once.
type Samples struct{ done chan int }

func (s Samples) Sample(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	s.done <- len(ns)
	return dispatcher.Handled
}

// A batch listener flushes when the batch is full, or when the timeout has
// passed since the batch's first notification.
func ExampleBatchListener() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "memory:///example-batch")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()

	n, err := notify.NewNotifier(tr, notify.WithPublisherID("ceilometer.polling"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 7 {
		if err := n.Sample(ctx, nil, "cpu_util", map[string]int{"value": i}); err != nil {
			fmt.Println(err)
			return
		}
	}

	done := make(chan int, 2)
	l, err := notify.NewBatchListener(tr, []target.Target{{Topic: "notifications"}}, []any{Samples{done}},
		5, 200*time.Millisecond, notify.WithExecutor(executor.Blocking()))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := l.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("batch of", <-done)
	fmt.Println("batch of", <-done)
	l.Stop()
	_ = l.Wait(ctx)
	// Output:
	// batch of 5
	// batch of 2
}
