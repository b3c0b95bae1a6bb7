package kafka_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/kafka"
	"github.com/harkmq/hark/transport/oslo"
	"github.com/harkmq/hark/transport/transporttest"
)

// benchPrefetch is the prefetch of every drain benchmark: notify's
// default, 2 x its 64 workers.
const benchPrefetch = 128

// BenchmarkDrain drains a backlog of b.N oslo v2 notifications (about 400
// bytes each, waiting in a 4-partition topic of an in-process kfake
// broker) in four ways, so that they compare within one run, on one
// broker:
//
//		go test -run '^$' -bench Drain -benchtime 20000x ./transport/kafka/
//
//	  - franz-go: a bare group consumer (PollRecords, json.Unmarshal of the
//	    oslo envelope and its inner message, a synchronous commit after
//	    each poll), the floor any Go consumer pays;
//	  - franz-go+oslo: the same with hark's codec instead of
//	    encoding/json, so that the driver's own cost shows apart from
//	    decoding;
//	  - transport: hark's listener, Next + hark's codec + Ack (offsets
//	    committed every 100ms, contiguously);
//	  - notify: hark's notify.Listener with its default pooled executor.
func BenchmarkDrain(b *testing.B) {
	c := startCluster(b)
	for _, codec := range []string{"json", "oslo"} {
		name := map[string]string{"json": "franz-go", "oslo": "franz-go+oslo"}[codec]
		b.Run(name, func(b *testing.B) {
			topic := preloadTopic(b, c)
			cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup("bare-"+topic),
				kgo.ConsumeTopics(topic+".info"), kgo.DisableAutoCommit(), kgo.ConsumeStartOffset(kgo.NewOffset().AtStart()))
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			b.ResetTimer()
			start := time.Now()
			ctx := b.Context()
			for n := 0; n < b.N; {
				fs := cl.PollRecords(ctx, benchPrefetch)
				if err := fs.Err0(); err != nil {
					b.Fatal(err)
				}
				var derr error
				fs.EachRecord(func(r *kgo.Record) {
					n++
					if codec == "json" {
						derr = bareDecode(r.Value)
					} else if _, err := oslo.DecodeNotification(transport.Message{Body: r.Value}); err != nil {
						derr = err
					}
				})
				if derr != nil {
					b.Fatal(derr)
				}
				if err := cl.CommitUncommittedOffsets(ctx); err != nil {
					b.Fatal(err)
				}
			}
			report(b, start)
		})
	}
	b.Run("transport", func(b *testing.B) {
		topic := preloadTopic(b, c)
		tr := openTransport(b, c, "", kafka.WithConsumerGroup("hark-"+topic))
		b.ResetTimer()
		start := time.Now()
		ctx := b.Context()
		l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: topic}}, Priorities: []transport.Priority{transport.Info}, Prefetch: benchPrefetch})
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
		topic := preloadTopic(b, c)
		tr := openTransport(b, c, "", kafka.WithConsumerGroup("notify-"+topic))
		ep := &benchEndpoint{want: int64(b.N), done: make(chan struct{})}
		l, err := notify.NewListener(tr, []target.Target{{Topic: topic}}, []any{ep}, notify.WithPrefetch(benchPrefetch))
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

// bareDecode is what a bare consumer does with an oslo v2 record:
// json.Unmarshal the envelope, then its inner message.
func bareDecode(value []byte) error {
	var env struct {
		Version string `json:"oslo.version"`
		Message string `json:"oslo.message"`
	}
	if err := json.Unmarshal(value, &env); err != nil {
		return err
	}
	var inner map[string]any
	return json.Unmarshal([]byte(env.Message), &inner)
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

// preloadTopic produces b.N distinct oslo v2 notifications to a fresh
// topic's info priority ("<topic>.info") and returns the topic.
func preloadTopic(b *testing.B, c *kfake.Cluster) string {
	b.Helper()
	topic := transporttest.UniqueName("bench")
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.AllowAutoTopicCreation(),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx := b.Context()
	payload := json.RawMessage(`{"instance_id": "6f8a9c2e-1d4b-4e7a-9f3c-2b5d8e1a7c40", "state": "active", "flavor": {"vcpus": 2, "memory_mb": 4096}}`)
	var failed atomic.Value
	for i := range b.N {
		msg, err := oslo.EncodeNotification(&oslo.OsloMessage{
			MessageID: oslo.NewMessageID(), PublisherID: "compute.bench", EventType: "compute.instance.update",
			Priority: "INFO", Payload: payload, Timestamp: oslo.FormatTimestamp(time.Now()),
			Context: map[string]any{"request_id": fmt.Sprintf("req-%d", i), "user_id": "u", "project_id": "p"},
		}, oslo.EncodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		cl.Produce(ctx, &kgo.Record{Topic: topic + ".info", Value: msg.Body}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Store(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	return topic
}
