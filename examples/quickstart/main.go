// Command quickstart listens for notifications on the in-process memory
// transport and sends a few with a notifier: the smallest complete hark
// program. Run it with: go run ./examples/quickstart
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"sync"

	"go.uber.org/zap"

	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/memory"
)

// printer logs info and error notifications.
type printer struct {
	log *zap.Logger
	wg  *sync.WaitGroup
}

func (p printer) Info(_ context.Context, n *notify.Notification) notify.Result {
	defer p.wg.Done()
	p.log.Info("notification", zap.String("event_type", n.EventType), zap.String("publisher_id", n.PublisherID),
		zap.ByteString("payload", n.Payload), zap.Any("context", n.Context))
	return notify.Handled
}

func (p printer) Error(_ context.Context, n *notify.Notification) notify.Result {
	defer p.wg.Done()
	p.log.Warn("error notification", zap.String("event_type", n.EventType), zap.ByteString("payload", n.Payload))
	return notify.Handled
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logger, _ := zap.NewDevelopment()
	defer logger.Sync() //nolint:errcheck // best effort at exit

	tr, err := transport.Open(ctx, "memory://", transport.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	var wg sync.WaitGroup
	l, err := notify.NewListener(tr, []target.Target{{Topic: "notifications"}}, []any{printer{logger, &wg}},
		notify.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Start(ctx); err != nil {
		log.Fatal(err)
	}

	n, err := notify.NewNotifier(tr, notify.PublisherID("compute.host1"))
	if err != nil {
		log.Fatal(err)
	}
	wg.Add(2)
	if err := n.Info(ctx, notify.Context{"request_id": "req-1"}, "compute.instance.create.end", map[string]any{"instance_id": "i-1"}); err != nil {
		log.Fatal(err)
	}
	if err := n.Error(ctx, nil, "compute.instance.create.error", map[string]any{"instance_id": "i-2", "reason": "no valid host"}); err != nil {
		log.Fatal(err)
	}
	wg.Wait()

	l.Stop()
	if err := l.Wait(ctx); err != nil {
		log.Fatal(err)
	}
}
