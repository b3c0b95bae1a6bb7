package nats_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// benchPrefetch is the listener's prefetch and the bare consumer's pull
// buffer: 2 × 64 workers, the notify package's default.
const benchPrefetch = 128

// benchBody returns a typical oslo v2 notification body.
func benchBody(b *testing.B) transport.Message {
	m, err := oslo.EncodeNotification(&oslo.OsloMessage{
		MessageID:   "0f9d4c1e-8a2b-4e43-9f2a-5b6c7d8e9f00",
		PublisherID: "compute.host1",
		EventType:   "compute.instance.update",
		Priority:    "INFO",
		Payload:     []byte(`{"instance_id": "6f0b7c43-2a4e-4e0b-9a57-0c9a7d1f3e21", "state": "active", "host": "compute-17", "flavor": {"vcpus": 4, "memory_mb": 8192, "root_gb": 80}, "metadata": {"env": "prod", "team": "billing"}}`),
		Timestamp:   "2026-11-24 08:00:00.000000",
		Context:     map[string]any{"request_id": "req-6d2f", "user_id": "u-1", "project_id": "p-1", "is_admin": false},
	}, oslo.EncodeOptions{})
	require.NoError(b, err)
	return m
}

// prepublish stores n copies of m on subj (each its own message ID) and
// waits for every ack.
func prepublish(b *testing.B, js jetstream.JetStream, subj string, m transport.Message, n int) {
	b.Helper()
	for i := range n {
		msg := &natsgo.Msg{Subject: subj, Data: m.Body, Header: natsgo.Header{}}
		msg.Header.Set(natsgo.MsgIdHdr, fmt.Sprintf("%s-%d", subj, i))
		_, err := js.PublishMsgAsync(msg)
		require.NoError(b, err)
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("pre-publish did not complete")
	}
}

// BenchmarkListenerVsBareJetStream measures draining a backlog of oslo
// notifications, one message at a time acknowledged, through a hark
// listener (Next + Ack) and through a bare nats.go JetStream consumer
// (Consume + Ack), on the same embedded server (file storage,
// in-process connection) in one run. Compare the msgs/s of the two.
func BenchmarkListenerVsBareJetStream(b *testing.B) {
	srv := startServer(b)
	m := benchBody(b)
	nc, err := srv.Connect()
	require.NoError(b, err)
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	require.NoError(b, err)
	round := 0

	b.Run("hark_listener_next_ack", func(b *testing.B) {
		round++
		ex := fmt.Sprintf("benchh%d", round)
		tr := openInProcess(b, srv, "nats://")
		tg := target.Target{Exchange: ex, Topic: "notifications"}
		l, err := tr.Listen(b.Context(), transport.ListenConfig{
			Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Prefetch: benchPrefetch,
		})
		require.NoError(b, err)
		defer l.Close()
		prepublish(b, js, ex+".notifications.info", m, b.N)
		ctx := b.Context()
		b.ResetTimer()
		for range b.N {
			d, err := l.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Ack(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})

	b.Run("bare_jetstream_consume_ack", func(b *testing.B) {
		round++
		ctx := b.Context()
		name := fmt.Sprintf("BENCHB%d", round)
		subj := fmt.Sprintf("benchb%d.notifications.info", round)
		_, err := js.CreateStream(ctx, jetstream.StreamConfig{
			Name: name, Subjects: []string{subj}, Retention: jetstream.InterestPolicy, Storage: jetstream.FileStorage,
		})
		require.NoError(b, err)
		bnc, err := srv.Connect()
		require.NoError(b, err)
		defer bnc.Close()
		bjs, err := jetstream.New(bnc)
		require.NoError(b, err)
		cons, err := bjs.CreateConsumer(ctx, name, jetstream.ConsumerConfig{
			Durable: "c", AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverNewPolicy,
		})
		require.NoError(b, err)
		prepublish(b, js, subj, m, b.N)
		done := make(chan struct{})
		n := 0
		b.ResetTimer()
		cc, err := cons.Consume(func(msg jetstream.Msg) {
			if err := msg.Ack(); err != nil {
				b.Error(err)
			}
			if n++; n == b.N {
				close(done)
			}
		}, jetstream.PullMaxMessages(benchPrefetch))
		require.NoError(b, err)
		<-done
		b.StopTimer()
		cc.Stop()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkSendVsBareJetStream measures publishing with the stream's ack
// awaited per message: Transport.Send against a bare js.PublishMsg.
func BenchmarkSendVsBareJetStream(b *testing.B) {
	srv := startServer(b)
	m := benchBody(b)
	ctx := b.Context()
	round := 0

	b.Run("hark_send", func(b *testing.B) {
		round++
		tr := openInProcess(b, srv, "nats://")
		tg := target.Target{Exchange: fmt.Sprintf("sendh%d", round), Topic: "notifications"}
		l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}})
		require.NoError(b, err) // a listener exists, as it would in production
		defer l.Close()
		b.ResetTimer()
		for i := range b.N {
			msg := m
			msg.ID = fmt.Sprintf("s-%d", i)
			if err := tr.Send(ctx, tg, transport.Info, msg); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})

	b.Run("bare_jetstream_publish", func(b *testing.B) {
		round++
		nc, err := srv.Connect()
		require.NoError(b, err)
		defer nc.Close()
		js, err := jetstream.New(nc)
		require.NoError(b, err)
		name := fmt.Sprintf("SENDB%d", round)
		subj := fmt.Sprintf("sendb%d.notifications.info", round)
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subj}, Retention: jetstream.InterestPolicy})
		require.NoError(b, err)
		_, err = js.CreateConsumer(ctx, name, jetstream.ConsumerConfig{Durable: "c", AckPolicy: jetstream.AckExplicitPolicy})
		require.NoError(b, err)
		b.ResetTimer()
		for i := range b.N {
			msg := &natsgo.Msg{Subject: subj, Data: m.Body, Header: natsgo.Header{}}
			msg.Header.Set(natsgo.MsgIdHdr, fmt.Sprintf("s-%d", i))
			if _, err := js.PublishMsg(ctx, msg); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// notifyCounter is the cheapest endpoint: it counts and handles.
type notifyCounter struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (c *notifyCounter) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	if c.n.Add(1) == c.want {
		close(c.done)
	}
	return dispatcher.Handled
}

// BenchmarkNotifyListenerDrain drains a backlog of b.N notifications
// through the full notify.Listener (default pooled executor, prefetch
// 128: decode, de-duplicate, dispatch, ack, lease keep-alive) on the
// in-process embedded server, for profiling the listener's own cost per
// notification:
//
//	go test -run '^$' -bench NotifyListenerDrain -benchtime 50000x -benchmem ./transport/nats/
func BenchmarkNotifyListenerDrain(b *testing.B) {
	for _, tc := range []struct {
		name string
		exec executor.Factory
	}{{"pooled64", executor.Pooled(64)}, {"pooled4", executor.Pooled(4)}, {"blocking", executor.Blocking()}} {
		b.Run(tc.name, func(b *testing.B) { benchNotifyDrain(b, tc.exec) })
	}
}

func benchNotifyDrain(b *testing.B, exec executor.Factory) {
	srv := startServer(b)
	m := benchBody(b)
	nc, err := srv.Connect()
	require.NoError(b, err)
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	require.NoError(b, err)
	tr := openInProcess(b, srv, "nats://")
	tg := target.Target{Exchange: "benchn", Topic: "notifications"}
	// Make the non-pooled consumer, so the backlog is kept for it.
	l, err := tr.Listen(b.Context(), transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}})
	require.NoError(b, err)
	require.NoError(b, l.Close())
	prepublish(b, js, "benchn.notifications.info", m, b.N)
	ep := &notifyCounter{want: int64(b.N), done: make(chan struct{})}
	nl, err := notify.NewListener(tr, []target.Target{tg}, []any{ep}, notify.WithDedup(0),
		notify.WithExecutor(exec), notify.WithPrefetch(benchPrefetch))
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	require.NoError(b, nl.Start(b.Context()))
	<-ep.done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	nl.Stop()
	require.NoError(b, nl.Wait(b.Context()))
}
