package rabbit

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
	"github.com/harkmq/hark/transport/transporttest"
)

// benchPrefetch is the prefetch of every drain benchmark: notify's
// default, 2 x its 64 workers.
const benchPrefetch = 128

// BenchmarkDrain drains a backlog of b.N oslo v2 notifications (about 400
// bytes each, waiting in a classic queue) at the same prefetch in four
// ways, so that their msg/s compare within one run. Run it with
//
//	HARK_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:5672/ go test -run '^$' -bench Drain -benchtime 20000x ./transport/rabbit/
//
// The four ways:
//   - amqp091-go: a bare consume + ack loop, the floor any Go consumer pays;
//   - amqp091-go+decode: the same plus hark's codec on each body, so that
//     the driver's own cost shows apart from decoding;
//   - transport: hark's transport listener, Next + decode + Ack;
//   - notify: hark's notify.Listener with its default pooled executor
//     (decode, de-duplicate, dispatch to an endpoint, ack).
func BenchmarkDrain(b *testing.B) {
	for _, decode := range []bool{false, true} {
		name := map[bool]string{false: "amqp091-go", true: "amqp091-go+decode"}[decode]
		b.Run(name, func(b *testing.B) { bareDrain(b, decode) })
	}
	b.Run("transport", func(b *testing.B) {
		tr, tg := preloadTransport(b)
		b.ResetTimer()
		start := time.Now()
		ctx := b.Context()
		l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Prefetch: benchPrefetch})
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		for range b.N {
			d, err := l.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := oslo.DecodeNotification(d.Message()); err != nil {
				b.Fatal(err)
			}
			if err := d.Ack(ctx); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start)
	})
	b.Run("notify", func(b *testing.B) {
		tr, tg := preloadTransport(b)
		ep := &benchEndpoint{want: int64(b.N), done: make(chan struct{})}
		l, err := notify.NewListener(tr, []target.Target{tg}, []any{ep}, notify.WithPrefetch(benchPrefetch))
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		start := time.Now()
		if err := l.Start(b.Context()); err != nil {
			b.Fatal(err)
		}
		<-ep.done
		report(b, start)
		b.StopTimer()
		l.Stop()
		if err := l.Wait(b.Context()); err != nil {
			b.Fatal(err)
		}
	})
}

// bareDrain is the baseline: amqp091-go's consume channel, one ack per
// delivery, and (with decode) hark's codec on each body.
func bareDrain(b *testing.B, decode bool) {
	queue := preload(b)
	conn, err := amqp.Dial(rabbitURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	if err := ch.Qos(benchPrefetch, 0, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	ds, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		d := <-ds
		if decode {
			if _, err := oslo.DecodeNotification(transport.Message{Body: d.Body}); err != nil {
				b.Fatal(err)
			}
		}
		if err := d.Ack(false); err != nil {
			b.Fatal(err)
		}
	}
	report(b, start)
}

type benchEndpoint struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (e *benchEndpoint) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	if e.n.Add(1) == e.want {
		close(e.done)
	}
	return dispatcher.Handled
}

func report(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
}

// preload fills a fresh queue with b.N notifications and returns its name.
func preload(b *testing.B) string {
	_, tg := preloadTransport(b)
	return routingKey(tg.Topic, transport.Info)
}

// preloadTransport sends b.N distinct oslo v2 notifications to a fresh
// target, which oslo's publisher behaviour leaves in the non-pooled queue
// "<topic>.info", and returns a transport and the target.
func preloadTransport(b *testing.B) (*Transport, target.Target) {
	r := newRecorder(b, rabbitURL(b))
	tr := openTransport(b, r, "")
	tg := target.Target{Exchange: transporttest.UniqueName("harkbench-x"), Topic: transporttest.UniqueName("harkbench-t")}
	first := benchMessage(b)
	if err := tr.Send(b.Context(), tg, transport.Info, first); err != nil {
		b.Fatal(err)
	}
	// The rest go out pipelined on one confirm channel: preloading is not
	// what is measured.
	conn, err := amqp.Dial(rabbitURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	var last *amqp.DeferredConfirmation
	for range b.N - 1 {
		m := benchMessage(b)
		last, err = ch.PublishWithDeferredConfirm(tg.Exchange, routingKey(tg.Topic, transport.Info), false, false, amqp.Publishing{
			ContentType: "application/json", ContentEncoding: "utf-8", DeliveryMode: amqp.Persistent, Body: m.Body,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if last != nil && !last.Wait() {
		b.Fatal("preload nacked")
	}
	return tr, tg
}

func benchMessage(b *testing.B) transport.Message {
	m, err := oslo.EncodeNotification(&oslo.OsloMessage{
		MessageID: oslo.NewMessageID(), UniqueID: oslo.NewUniqueID(),
		PublisherID: "compute.host1", EventType: "compute.instance.update", Priority: "INFO",
		Payload:   []byte(`{"instance_id": "9f3c2b1e-0d4a-4c1b-8e2f-5a6b7c8d9e0f", "state": "active", "memory_mb": 2048, "vcpus": 2}`),
		Timestamp: oslo.FormatTimestamp(time.Now()),
		Context:   map[string]any{"request_id": "req-1", "user_id": "u1", "project_id": "p1"},
	}, oslo.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return m
}
