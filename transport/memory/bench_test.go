package memory_test

import (
	"sync"
	"testing"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
)

// BenchmarkSendNextAck measures one message's round trip: Send, Next, Ack,
// with a listener already waiting.
func BenchmarkSendNextAck(b *testing.B) {
	br := memory.NewBroker()
	defer br.Close()
	tr, _ := br.Transport()
	ctx := b.Context()
	l, _ := tr.Listen(ctx, infoConfig(""))
	msg := transport.Message{Body: make([]byte, 512)}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range b.N {
			d, err := l.Next(ctx)
			if err != nil {
				b.Error(err)
				return
			}
			_ = d.Ack(ctx)
		}
	})
	b.ResetTimer()
	for range b.N {
		if err := tr.Send(ctx, notifications, transport.Info, msg); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
}

// BenchmarkBacklogDrain measures draining a backlog through a pool of 4
// members.
func BenchmarkBacklogDrain(b *testing.B) {
	br := memory.NewBroker()
	defer br.Close()
	tr, _ := br.Transport()
	ctx := b.Context()
	var ls []transport.Listener
	for range 4 {
		l, _ := tr.Listen(ctx, infoConfig("p"))
		ls = append(ls, l)
	}
	msg := transport.Message{Body: make([]byte, 512)}
	for range b.N {
		_ = tr.Send(ctx, notifications, transport.Info, msg)
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N / len(ls)
	for i, l := range ls {
		n := per
		if i == 0 {
			n += b.N % len(ls)
		}
		wg.Go(func() {
			for range n {
				d, err := l.Next(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				_ = d.Ack(ctx)
			}
		})
	}
	wg.Wait()
}
