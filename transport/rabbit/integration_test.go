package rabbit

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
	"github.com/harkmq/hark/transport/transporttest"
)

// testTarget returns a fresh exchange and topic; the recorder deletes
// what the transports declare for them.
func testTarget() target.Target {
	return target.Target{Exchange: transporttest.UniqueName("harkrabbit-x"), Topic: transporttest.UniqueName("harkrabbit-t")}
}

func listenInfo(t *testing.T, tr *Transport, cfg transport.ListenConfig) transport.Listener {
	t.Helper()
	if len(cfg.Priorities) == 0 {
		cfg.Priorities = []transport.Priority{transport.Info}
	}
	l, err := tr.Listen(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// TestSendWireFormat: Send declares oslo's topology (a topic exchange and
// the default queue "<topic>.<priority>" bound to it) and publishes with
// oslo's properties.
func TestSendWireFormat(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	tg := testTarget()
	msg := transport.Message{ID: "abc123", Body: []byte(`{"x": 1}`), Header: transport.Header{"k": "v"}}
	require.NoError(t, tr.Send(testutil.Within(t, 10*time.Second), tg, transport.Warn, msg))

	ch, err := rawConn(t).Channel()
	require.NoError(t, err)
	require.NoError(t, ch.ExchangeDeclarePassive(tg.Exchange, "topic", false, false, false, false, nil))
	d, ok, err := ch.Get(tg.Topic+".warn", true)
	require.NoError(t, err)
	require.True(t, ok, "the publisher declared and bound %s.warn, as oslo's does", tg.Topic)
	assert.Equal(t, tg.Exchange, d.Exchange)
	assert.Equal(t, tg.Topic+".warn", d.RoutingKey)
	assert.Equal(t, "application/json", d.ContentType)
	assert.Equal(t, "utf-8", d.ContentEncoding)
	assert.Equal(t, uint8(amqp.Persistent), d.DeliveryMode)
	assert.Equal(t, uint8(0), d.Priority)
	assert.Equal(t, "abc123", d.MessageId)
	assert.Equal(t, amqp.Table{"k": "v"}, d.Headers)
	assert.Equal(t, msg.Body, d.Body)
}

// TestSendCompression: with kombu_compression, Send compresses bodies
// without a compression header as kombu does, and the codec reads them;
// bodies already compressed are left alone.
func TestSendCompression(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	for _, c := range []struct{ name, header string }{{"gzip", oslo.CompressionGzip}, {"bz2", oslo.CompressionBzip2}, {"xz", oslo.CompressionXz}} {
		tr := openTransport(t, r, withQuery(rabbitURL(t), "kombu_compression="+c.name))
		tg := testTarget()
		l := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{tg}})
		m, err := oslo.EncodeNotification(&oslo.OsloMessage{MessageID: oslo.NewMessageID(), EventType: "e", Priority: "INFO",
			Payload: []byte(`{"a": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}`)}, oslo.EncodeOptions{})
		require.NoError(t, err)
		require.NoError(t, tr.Send(testutil.Within(t, 10*time.Second), tg, transport.Info, m))
		d := transporttest.Next(t, l, 10*time.Second)
		assert.Equal(t, c.header, d.Message().Header[oslo.HeaderCompression], c.name)
		om, err := oslo.DecodeNotification(d.Message())
		require.NoError(t, err, c.name)
		assert.Equal(t, "e", om.EventType)
		require.NoError(t, d.Ack(t.Context()))

		// Already compressed by the notifier: sent as it is.
		pre := transport.Message{Body: []byte("opaque"), Header: transport.Header{oslo.HeaderCompression: "application/x-gzip"}}
		require.NoError(t, tr.Send(testutil.Within(t, 10*time.Second), tg, transport.Info, pre))
		d = transporttest.Next(t, l, 10*time.Second)
		assert.Equal(t, pre.Body, d.Message().Body)
		require.NoError(t, d.Ack(t.Context()))
	}
}

// TestSettleAfterReconnect: a delivery of a connection that was lost
// cannot be settled (ErrLeaseExpired; the ack is never sent on the new
// channel, where its tag would mean another message); the broker
// redelivers the message on the new connection with a higher count.
func TestSettleAfterReconnect(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	p := startProxy(t, brokerAddr(t))
	tr := openTransport(t, r, viaAddr(t, p.addr(), ""))
	tg := testTarget()
	l := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{tg}, Prefetch: 1})
	sender := openTransport(t, r, "")
	transporttest.SendN(t, sender, tg, transport.Info, "settle", 2)

	old := transporttest.Next(t, l, 10*time.Second)
	assert.Equal(t, 1, old.Deliveries())
	p.cut()
	require.Eventually(t, func() bool { return tr.Healthy() != nil }, 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return tr.Healthy() == nil }, 30*time.Second, 10*time.Millisecond)

	again := transporttest.Next(t, l, 10*time.Second)
	assert.Equal(t, string(old.Message().Body), string(again.Message().Body), "the unacknowledged message first (prefetch 1)")
	assert.Equal(t, 2, again.Deliveries(), "a redelivery after a lost connection counts")
	ctx := testutil.Within(t, 10*time.Second)
	assert.ErrorIs(t, old.Ack(ctx), transport.ErrLeaseExpired, "the old connection's delivery")
	assert.ErrorIs(t, old.Requeue(ctx, 0), transport.ErrLeaseExpired, "still refused")
	require.NoError(t, again.Ack(ctx), "the new delivery settles, and the old tag did not ack it")
	second := transporttest.Next(t, l, 10*time.Second)
	assert.Equal(t, 1, second.Deliveries())
	require.NoError(t, second.Ack(ctx))
	transporttest.AssertNoDelivery(t, 300*time.Millisecond, l)
}

// TestDelayedRequeueKeepsSourceAndCount: a message requeued through the
// retry queues keeps its source and counts every delivery; at
// MaxDeliveries its record names the original routing.
func TestDelayedRequeueKeepsSourceAndCount(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	tg := testTarget()
	dlqTarget := target.Target{Exchange: tg.Exchange, Topic: tg.Topic + ".dlq"}
	dlq := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{dlqTarget}})
	pool := transporttest.UniqueName("harkrabbit-p")
	l := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{tg}, Pool: pool, MaxDeliveries: 3})
	orig := transport.Message{ID: "m1", Body: []byte(`{"n": 1}`), Header: transport.Header{"X-Trace": "t1"}}
	require.NoError(t, tr.Send(testutil.Within(t, 10*time.Second), tg, transport.Info, orig))

	ctx := testutil.Within(t, 30*time.Second)
	var requeued time.Time
	var delay time.Duration
	for want := 1; want <= 3; want++ {
		d := transporttest.Next(t, l, 10*time.Second)
		if want > 1 {
			assert.GreaterOrEqual(t, time.Since(requeued), delay, "redelivered after the delay")
		}
		assert.Equal(t, want, d.Deliveries())
		assert.Equal(t, orig, d.Message(), "the message as sent, without hark's or the broker's headers")
		assert.Equal(t, transport.Source{Target: tg, Priority: transport.Info, Pool: pool}, d.Source())
		delay, requeued = time.Duration(want)*100*time.Millisecond, time.Now()
		require.NoError(t, d.Requeue(ctx, delay))
	}
	rec := transporttest.Next(t, dlq, 10*time.Second)
	dl, err := transport.ParseDeadLetter(rec.Message())
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonMaxDeliveries, dl.Info.Reason)
	assert.Equal(t, 3, dl.Deliveries)
	assert.Equal(t, orig, dl.Original)
	assert.Equal(t, transport.Source{Target: tg, Priority: transport.Info, Pool: pool}, dl.Source)
	require.NoError(t, rec.Ack(ctx))
	transporttest.AssertNoDelivery(t, 300*time.Millisecond, l, dlq)

	// The retry queues are there, one per delay, and empty.
	ch, err := rawConn(t).Channel()
	require.NoError(t, err)
	for _, ms := range []time.Duration{100, 200} {
		q, err := ch.QueueDeclarePassive(retryQueueName(pool, ms*time.Millisecond), false, false, false, false, nil)
		require.NoError(t, err)
		assert.Zero(t, q.Messages)
	}
}

// TestDeclareFallback: a queue and exchange that exist with other
// properties (an OpenStack service declared them durable, hark is not
// configured so) are used as they are, with a warning, not refused.
func TestDeclareFallback(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tg := testTarget()
	ch, err := rawConn(t).Channel()
	require.NoError(t, err)
	r.add("exchange", tg.Exchange)
	r.add("queue", tg.Topic+".info")
	require.NoError(t, ch.ExchangeDeclare(tg.Exchange, "topic", true, false, false, false, nil))
	_, err = ch.QueueDeclare(tg.Topic+".info", true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	require.NoError(t, err)

	core, logs := observer.New(zapcore.WarnLevel)
	tr := openTransport(t, r, "", WithLogger(zap.New(core)))
	l := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{tg}})
	require.NoError(t, tr.Send(testutil.Within(t, 10*time.Second), tg, transport.Info, transport.Message{Body: []byte("{}")}))
	d := transporttest.Next(t, l, 10*time.Second)
	assert.Equal(t, 1, d.Deliveries())
	// The queue turned out to be a quorum queue: requeue uses its count.
	require.NoError(t, d.Requeue(t.Context(), 0))
	d = transporttest.Next(t, l, 10*time.Second)
	assert.Equal(t, 2, d.Deliveries())
	require.NoError(t, d.Ack(t.Context()))
	assert.NotEmpty(t, logs.FilterMessage("the queue exists with other properties; using it as it is").All())
	assert.NotEmpty(t, logs.FilterMessage("the exchange exists with other properties; using it as it is").All())
}

// TestQueueDeletedIsRedeclared: when the listener's queue is deleted
// under it (the broker cancels the consumer), the listener re-declares
// its topology and goes on.
func TestQueueDeletedIsRedeclared(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	tg := testTarget()
	l := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{tg}})
	ch, err := rawConn(t).Channel()
	require.NoError(t, err)
	_, err = ch.QueueDelete(tg.Topic+".info", false, false, false)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := ch.QueueDeclarePassive(tg.Topic+".info", false, false, false, false, nil)
		if err != nil {
			ch, _ = rawConn(t).Channel()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "the listener re-declared its queue")
	require.NoError(t, tr.Send(testutil.Within(t, 10*time.Second), tg, transport.Info, transport.Message{Body: []byte(`{"after": true}`)}))
	d := transporttest.Next(t, l, 10*time.Second)
	assert.Equal(t, `{"after": true}`, string(d.Message().Body))
	require.NoError(t, d.Ack(t.Context()))
}

// TestUndecodableIsDeadLettered: a body that is not a notification is
// dead-lettered by the listener (never requeued) with the original bytes.
func TestUndecodableIsDeadLettered(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, "")
	tg := testTarget()
	dlq := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{{Exchange: tg.Exchange, Topic: tg.Topic + ".dlq"}}})
	ep := newHarkEndpoint()
	nl, err := notify.NewListener(tr, []target.Target{tg}, []any{ep}, notify.WithRequeue(notify.RequeuePolicy{Allow: true}))
	require.NoError(t, err)
	startHarkListener(t, nl)
	garbage := []byte("{not json\x00\xff")
	require.NoError(t, tr.Send(testutil.Within(t, 10*time.Second), tg, transport.Info, transport.Message{Body: garbage}))
	rec := transporttest.Next(t, dlq, 10*time.Second)
	dl, err := transport.ParseDeadLetter(rec.Message())
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonDecode, dl.Info.Reason)
	assert.Equal(t, garbage, dl.Original.Body)
	assert.Equal(t, 1, dl.Deliveries)
	require.NoError(t, rec.Ack(t.Context()))
	ep.quiet(t, 300*time.Millisecond)
}

// TestBlockedConnectionIsLogged sets a tiny memory watermark so the broker
// blocks publishers (connection.blocked), checks that hark logs it, and
// restores the watermark. It disturbs every client of the broker, so it
// runs only with HARK_TEST_RABBIT_DISRUPTIVE=1.
func TestBlockedConnectionIsLogged(t *testing.T) {
	disruptive(t)
	watermark := strings.TrimSpace(rabbitmqctl(t, "eval", "vm_memory_monitor:get_vm_memory_high_watermark()."))
	if _, err := strconv.ParseFloat(watermark, 64); err != nil {
		t.Skipf("cannot read the memory watermark to restore it (got %q)", watermark)
	}
	r := newRecorder(t, rabbitURL(t))
	core, logs := observer.New(zapcore.InfoLevel)
	tr := openTransport(t, r, "", WithLogger(zap.New(core)))
	tg := testTarget()
	require.NoError(t, tr.Send(testutil.Within(t, 10*time.Second), tg, transport.Info, transport.Message{Body: []byte("{}")}))
	rabbitmqctl(t, "set_vm_memory_high_watermark", "0.0000001")
	t.Cleanup(func() { rabbitmqctl(t, "set_vm_memory_high_watermark", watermark) })
	// The broker blocks a connection when it next publishes.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	_ = tr.Send(ctx, tg, transport.Info, transport.Message{Body: []byte("{}")})
	cancel()
	require.Eventually(t, func() bool {
		return logs.FilterMessage("the broker has blocked the connection").Len() > 0
	}, 10*time.Second, 20*time.Millisecond)
	rabbitmqctl(t, "set_vm_memory_high_watermark", watermark)
	require.Eventually(t, func() bool {
		return logs.FilterMessage("the broker has unblocked the connection").Len() > 0
	}, 10*time.Second, 20*time.Millisecond)
}

// TestHeartbeatNegotiated: heartbeat_timeout_threshold is the AMQP
// heartbeat of the send and listen connections.
func TestHeartbeatNegotiated(t *testing.T) {
	r := newRecorder(t, rabbitURL(t))
	tr := openTransport(t, r, withQuery(rabbitURL(t), "heartbeat_timeout_threshold=7"))
	conn, _, err := tr.pub.connection(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 7*time.Second, conn.Config.Heartbeat, "send connection")
	l := listenInfo(t, tr, transport.ListenConfig{Targets: []target.Target{testTarget()}})
	lst := l.(*listener)
	lst.mu.Lock()
	s := lst.sess
	lst.mu.Unlock()
	require.NotNil(t, s)
	assert.Equal(t, 7*time.Second, s.conn.Config.Heartbeat, "listen connection")
	assert.Contains(t, s.conn.Config.Properties["connection_name"], "hark-test:listen:", "connection names say what each is for")
}
