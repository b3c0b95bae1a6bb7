package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// rabbitURLEnv names the RabbitMQ the broker tests use; they skip without
// it.
const rabbitURLEnv = "HARK_TEST_RABBIT_URL"

// broker is one broker a CLI test runs against, with names of its own.
type broker struct {
	name string
	url  string
	tr   transport.Transport
	// exchange and topic are the test's own, so that tests sharing a
	// RabbitMQ never see each other's queues.
	exchange, topic string
}

// brokerKinds are the brokers forEachBroker runs a test on: the memory
// broker, an embedded NATS server, RabbitMQ when HARK_TEST_RABBIT_URL
// is set, and an in-process kfake cluster (Kafka's protocol).
var brokerKinds = []string{"memory", "nats", "rabbit", "kafka"}

// newBroker starts or connects to a broker of kind for t; it skips t when
// the broker is not available.
func newBroker(t *testing.T, kind string) *broker {
	t.Helper()
	suffix := strings.ToLower(rand.Text()[:8])
	b := &broker{name: kind, exchange: "hx-" + suffix, topic: "ht-" + suffix}
	switch kind {
	case "memory":
		b.url, b.tr = memURL(t)
	case "nats":
		b.url, b.tr = natsServer(t)
	case "kafka":
		b.url, b.tr = kafkaServer(t)
	case "rabbit":
		b.url = os.Getenv(rabbitURLEnv)
		if b.url == "" {
			t.Skip("set " + rabbitURLEnv + "=amqp://guest:guest@127.0.0.1:5672/ to run the RabbitMQ tests")
		}
		tr, err := transport.Open(testutil.Within(t, 10*time.Second), b.url)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tr.Close() })
		b.tr = tr
		t.Cleanup(func() { b.deleteRabbit(t) })
	default:
		t.Fatalf("unknown broker %q", kind)
	}
	return b
}

// target is the test's own source target.
func (b *broker) target() target.Target {
	return target.Target{Exchange: b.exchange, Topic: b.topic}
}

// rabbitQueues lists the queues a test of b can make on RabbitMQ: the
// non-pooled queues of its topic and of its dead-letter topics, and its
// pools' queues.
func (b *broker) rabbitQueues(pools ...string) []string {
	var qs []string
	for _, topic := range []string{b.topic, b.topic + transport.DeadLetterSuffix, b.topic + transport.DeadLetterSuffix + transport.DeadLetterSuffix} {
		for _, p := range transport.Priorities() {
			qs = append(qs, topic+"."+string(p))
		}
	}
	return append(qs, pools...)
}

// deleteRabbit deletes what a RabbitMQ test of b may have made.
func (b *broker) deleteRabbit(t *testing.T) {
	deleteRabbit(t, b.url, b.rabbitQueues(rejecterPool), b.exchange)
}

// rabbitExists reports which of names exist on RabbitMQ as queues (kind
// "queue") or exchanges (kind "exchange"), by passive declares.
func rabbitExists(t *testing.T, url, kind string, names ...string) []string {
	t.Helper()
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer conn.Close()
	var found []string
	for _, n := range names {
		ch, err := conn.Channel() // a 404 closes the channel: one each
		require.NoError(t, err)
		if kind == "queue" {
			_, err = ch.QueueDeclarePassive(n, false, false, false, false, nil)
		} else {
			err = ch.ExchangeDeclarePassive(n, "topic", false, false, false, false, nil)
		}
		var ae *amqp.Error
		switch {
		case err == nil:
			found = append(found, n)
			_ = ch.Close()
		case errors.As(err, &ae) && ae.Code == amqp.NotFound:
		default:
			require.NoError(t, err, "passive declare of %s %s", kind, n)
		}
	}
	return found
}

// rejecterPool is the pool of the rejecter.
const rejecterPool = "billing"

// rejecter is harkd with an endpoint that rejects everything: a listener
// in pool billing that dead-letters what it receives, counting the
// deliveries of each notification (by its oslo message_id).
type rejecter struct {
	mu     sync.Mutex
	counts map[string]int
}

func startRejecter(t *testing.T, b *broker) *rejecter {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	l, err := b.tr.Listen(testutil.Within(t, 10*time.Second), transport.ListenConfig{
		Targets: []target.Target{b.target()}, Priorities: transport.Priorities(), Pool: rejecterPool,
	})
	require.NoError(t, err)
	r := &rejecter{counts: map[string]int{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			d, err := l.Next(ctx)
			if err != nil {
				return
			}
			id := "undecodable"
			if om, err := oslo.DecodeNotification(d.Message()); err == nil {
				id = om.MessageID
			}
			r.mu.Lock()
			r.counts[id]++
			r.mu.Unlock()
			if err := d.DeadLetter(ctx, transport.DeadLetterInfo{Reason: transport.ReasonRejected, LastError: "HTTP 400", Endpoint: "webhook"}); err != nil && ctx.Err() == nil {
				t.Errorf("dead-letter: %v", err)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = l.Close()
	})
	return r
}

// snapshot returns the deliveries counted so far, per message id.
func (r *rejecter) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.counts))
	for k, v := range r.counts {
		out[k] = v
	}
	return out
}

// total returns every delivery counted so far.
func (r *rejecter) total() int {
	n := 0
	for _, v := range r.snapshot() {
		n += v
	}
	return n
}

// flags are the --url, --exchange and --topic of b.
func (b *broker) flags() []string {
	return []string{"--url", b.url, "--exchange", b.exchange, "--topic", b.topic}
}

// forEachBroker runs f as a subtest on every broker kind.
func forEachBroker(t *testing.T, f func(t *testing.T, b *broker)) {
	for _, kind := range brokerKinds {
		t.Run(kind, func(t *testing.T) { f(t, newBroker(t, kind)) })
	}
}

func (b *broker) String() string { return fmt.Sprintf("%s %s/%s", b.name, b.exchange, b.topic) }
