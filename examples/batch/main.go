// Command batch shows the batch listener (oslo's batch notification
// listener): samples arrive in batches of up to 50, or fewer once 500ms
// have passed since a batch's first sample. Run it with:
// go run ./examples/batch
package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/memory"
)

// meter receives samples a batch at a time.
type meter struct{ wg *sync.WaitGroup }

func (m meter) Sample(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	sum := 0.0
	for _, n := range ns {
		var p struct{ Value float64 }
		if err := n.Decode(&p); err != nil {
			return dispatcher.Reject(err) // the whole batch is dead-lettered; fix the sender
		}
		sum += p.Value
	}
	fmt.Printf("batch of %3d samples, mean %.1f\n", len(ns), sum/float64(len(ns)))
	m.wg.Add(-len(ns))
	return dispatcher.Handled
}

func main() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "memory://")
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	const sent = 120
	var wg sync.WaitGroup
	wg.Add(sent)
	l, err := notify.NewBatchListener(tr, []target.Target{{Topic: "metering"}}, []any{meter{&wg}},
		50, 500*time.Millisecond, notify.WithExecutor(executor.Blocking()))
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer func() { l.Stop(); _ = l.Wait(ctx) }()

	n, err := notify.NewNotifier(tr, notify.WithPublisherID("ceilometer.polling"), notify.WithTopics("metering"))
	if err != nil {
		log.Fatal(err)
	}
	for i := range sent {
		if err := n.Sample(ctx, nil, "cpu_util", map[string]float64{"value": float64(i % 10)}); err != nil {
			log.Fatal(err)
		}
	}
	wg.Wait()
}
