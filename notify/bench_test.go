package notify_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// counter is the cheapest possible endpoint.
type counter struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (c *counter) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	if c.n.Add(1) == c.want {
		close(c.done)
	}
	return dispatcher.Handled
}

// preload encodes one notification and sends it n times (distinct unique
// ids would cost the same; the listener's dedup is turned off instead).
// With distinct, each copy gets a unique id of its own, for a listener
// that de-duplicates.
func preload(b *testing.B, tr transport.Transport, n int, distinct ...bool) {
	b.Helper()
	m := &oslo.OsloMessage{
		MessageID: oslo.NewMessageID(), PublisherID: "compute.host1", EventType: "compute.instance.update",
		Priority: "INFO", Payload: []byte(`{"instance_id": "i-1", "state": "active", "memory_mb": 2048}`),
		Timestamp: oslo.FormatTimestamp(time.Now()), Context: map[string]any{"request_id": "req-1"},
	}
	msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for range n {
		if len(distinct) > 0 && distinct[0] {
			m.UniqueID = oslo.NewUniqueID()
			if msg, err = oslo.EncodeNotification(m, oslo.EncodeOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		if err := tr.Send(b.Context(), topic, transport.Info, msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDrain_BareTransport is the baseline: a raw transport listener
// that decodes and acknowledges each message, no dispatch.
func BenchmarkDrain_BareTransport(b *testing.B) {
	tr := newTransport(b)
	preload(b, tr, b.N)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{topic}, Priorities: []transport.Priority{transport.Info}, Prefetch: 128})
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
}

func benchListener(b *testing.B, f executor.Factory, dedup ...bool) {
	tr := newTransport(b)
	on := len(dedup) > 0 && dedup[0]
	preload(b, tr, b.N, on)
	ep := &counter{want: int64(b.N), done: make(chan struct{})}
	size := 0
	if on {
		size = notify.DefaultDedupSize
	}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, notify.WithExecutor(f), notify.WithDedup(size))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := l.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	<-ep.done
	b.StopTimer()
	l.Stop()
	if err := l.Wait(b.Context()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDrain_Listener_Blocking: the full listener (decode, dispatch,
// settle) with one handler at a time.
func BenchmarkDrain_Listener_Blocking(b *testing.B) { benchListener(b, executor.Blocking()) }

// BenchmarkDrain_Listener_Pooled64: the full listener with the default
// pooled executor.
func BenchmarkDrain_Listener_Pooled64(b *testing.B) { benchListener(b, executor.Pooled(64)) }

// BenchmarkDrain_Listener_Pooled64_Dedup: the full listener with the
// default pooled executor and duplicate suppression at its default size,
// every notification with a unique id of its own.
func BenchmarkDrain_Listener_Pooled64_Dedup(b *testing.B) {
	benchListener(b, executor.Pooled(64), true)
}
