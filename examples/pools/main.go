// Command pools shows oslo's pool semantics: listeners in one pool share
// the notifications, and every pool gets its own copy. The two "billing"
// members receive ten notifications between them, each one once (which
// member gets which is up to the broker: a fast member may take them all);
// the single "audit" member sees all ten.
// Run it with: go run ./examples/pools
package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/memory"
)

// member counts what one listener received.
type member struct {
	name string
	n    atomic.Int32
	wg   *sync.WaitGroup
}

func (m *member) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	m.n.Add(1)
	m.wg.Done()
	return dispatcher.Handled
}

func main() {
	ctx := context.Background()
	tr, err := transport.Open(ctx, "memory://")
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	const sent = 10
	var wg sync.WaitGroup
	wg.Add(2 * sent) // every notification once in "billing", once in "audit"
	members := []*member{{name: "billing-1", wg: &wg}, {name: "billing-2", wg: &wg}, {name: "audit-1", wg: &wg}}
	pools := []string{"billing", "billing", "audit"}
	for i, m := range members {
		l, err := notify.NewListener(tr, []target.Target{{Topic: "notifications"}}, []any{m},
			notify.WithPool(pools[i]), notify.WithPrefetch(1))
		if err != nil {
			log.Fatal(err)
		}
		if err := l.Start(ctx); err != nil {
			log.Fatal(err)
		}
		defer func() { l.Stop(); _ = l.Wait(ctx) }()
	}

	n, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.host1"))
	if err != nil {
		log.Fatal(err)
	}
	for i := range sent {
		if err := n.Info(ctx, nil, "compute.instance.update", map[string]int{"seq": i}); err != nil {
			log.Fatal(err)
		}
	}
	wg.Wait()
	perPool := map[string]int32{}
	for i, m := range members {
		fmt.Printf("%-9s (pool %-7s) received %d\n", m.name, pools[i], m.n.Load())
		perPool[pools[i]] += m.n.Load()
	}
	fmt.Printf("pool billing received %d of %d, pool audit %d of %d\n", perPool["billing"], sent, perPool["audit"], sent)
}
