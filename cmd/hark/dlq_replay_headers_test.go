package main

import (
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// replayKeepsEveryHeader dead-letters a message carrying a header named
// like a dead-letter record's own (Hark-Dlq-Foo), replays it with hark
// dlq replay, and checks that it arrives with the same body and headers.
func replayKeepsEveryHeader(t *testing.T, url string, tr transport.Transport, exchange, topic, pool string) {
	ctx := testutil.Within(t, 60*time.Second)
	tg := target.Target{Exchange: exchange, Topic: topic}
	l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Pool: pool})
	require.NoError(t, err)
	defer l.Close()

	sent := transport.Message{
		ID:   "replay-headers-1",
		Body: []byte(`{"event_type": "compute.one", "payload": {}, "priority": "INFO"}`),
		Header: transport.Header{
			"Hark-Dlq-Foo":            "the sender's",
			transport.HeaderDLQReason: "not hark's",
			"X-Trace":                 "abc 123",
		},
	}
	require.NoError(t, tr.Send(ctx, tg, transport.Info, sent))
	d, err := l.Next(ctx)
	require.NoError(t, err)
	orig := d.Message()
	require.Equal(t, sent.Header, orig.Header, "the headers as received")
	require.NoError(t, d.DeadLetter(ctx, transport.DeadLetterInfo{Reason: transport.ReasonRejected, LastError: "HTTP 400"}))

	r := hark(t, ctx, "", "dlq", "replay", "--url", url, "--exchange", exchange, "--topic", topic, "--wait", "500ms", "--priority", "info")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.err, "replayed 1 dead letter")

	d, err = l.Next(ctx)
	require.NoError(t, err, "the replay arrives")
	assert.Equal(t, orig.Body, d.Message().Body, "the body, byte for byte")
	assert.Equal(t, orig.Header, d.Message().Header, "every header, Hark-Dlq-Foo included")
	assert.True(t, strings.HasPrefix(d.Message().ID, orig.ID+replaySuffix))
	require.NoError(t, d.Ack(ctx))
}

func TestNATS_dlq_replay_keeps_every_header(t *testing.T) {
	url, tr := natsServer(t)
	replayKeepsEveryHeader(t, url, tr, "openstack", "notifications", "billing")
}

func TestRabbit_dlq_replay_keeps_every_header(t *testing.T) {
	url := os.Getenv("HARK_TEST_RABBIT_URL")
	if url == "" {
		t.Skip("set HARK_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:5672/ to run the RabbitMQ tests")
	}
	suffix := strings.ToLower(rand.Text()[:10])
	exchange, topic, pool := "hark-cli-x-"+suffix, "hark-cli-t-"+suffix, "hark-cli-pool-"+suffix
	t.Cleanup(func() {
		deleteRabbit(t, url, []string{pool, topic + ".info", topic + ".dlq.info"}, exchange)
	})
	tr, err := transport.Open(testutil.Within(t, 10*time.Second), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	replayKeepsEveryHeader(t, url, tr, exchange, topic, pool)
}

// deleteRabbit deletes the queues and the exchange a RabbitMQ test made.
func deleteRabbit(t *testing.T, url string, queues []string, exchange string) {
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	for _, q := range queues {
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			t.Logf("cleanup: delete queue %s: %v", q, err)
		}
	}
	if err := ch.ExchangeDelete(exchange, false, false); err != nil {
		t.Logf("cleanup: delete exchange %s: %v", exchange, err)
	}
}
