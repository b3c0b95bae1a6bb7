package transporttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

func deadLetterTests() []testCase {
	return []testCase{
		{name: "max_deliveries_by_requeue", needs: transport.Capabilities{Requeue: true, DeadLetter: true}, run: testMaxDeliveriesRequeue},
		{name: "max_deliveries_by_lease_expiry", needs: transport.Capabilities{Lease: true, DeadLetter: true}, run: testMaxDeliveriesLease},
		{name: "explicit_record", needs: transport.Capabilities{DeadLetter: true}, run: testExplicitDeadLetter},
	}
}

// richMessage is a message whose record must keep a binary body and
// several headers byte for byte, one of them named like the record's own.
func (e *env) richMessage() transport.Message {
	return transport.Message{
		ID:   e.tag + "-rich",
		Body: []byte("{\"oslo.version\": \"2.0\"}\x00\xff\xfe binary tail"),
		Header: transport.Header{
			oslo.HeaderCompression: oslo.CompressionGzip,
			"X-Trace":              "abc 123",
			"Hark-Dlq-Foo":         "the sender's",
		},
	}
}

// dlqListener listens on a dead-letter target before anything is
// dead-lettered, so the test works on drivers without a backlog.
func (e *env) dlqListener(tg target.Target) transport.Listener {
	e.t.Helper()
	return e.listen(transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}})
}

// checkRecord parses a dead-letter delivery and checks what every record
// must hold: the original message byte for byte, where it came from, and
// a recent time. It returns the record for the caller's further checks.
func (e *env) checkRecord(d transport.Delivery, orig transport.Message, dlq target.Target, pool string) transport.DeadLetter {
	t := e.t
	t.Helper()
	assert.Equal(t, dlq.Exchange, d.Source().Target.Exchange, "record's exchange")
	assert.Equal(t, dlq.Topic, d.Source().Target.Topic, "record's topic")
	assert.Equal(t, transport.Info, d.Source().Priority, "a record keeps the source priority")
	rec, err := transport.ParseDeadLetter(d.Message())
	require.NoError(t, err, "parse the dead-letter record")
	assert.Equal(t, orig.ID, rec.Original.ID, "original ID")
	assert.Equal(t, orig.Body, rec.Original.Body, "original body, byte for byte")
	assert.Equal(t, orig.Header, rec.Original.Header, "original headers")
	assert.Equal(t, e.ex, rec.Source.Target.Exchange, "source exchange")
	assert.Equal(t, e.topic, rec.Source.Target.Topic, "source topic")
	assert.Equal(t, transport.Info, rec.Source.Priority, "source priority")
	assert.Equal(t, pool, rec.Source.Pool, "source pool")
	assert.WithinDuration(t, time.Now(), rec.Time, time.Minute, "record time")
	return rec
}

// testMaxDeliveriesRequeue: with MaxDeliveries 3, the third requeue
// dead-letters the message instead: a record with the original message,
// reason max_deliveries, 3 deliveries, source and pool; the message is
// not delivered again.
func testMaxDeliveriesRequeue(t *testing.T, e *env) {
	dlq := e.dlqListener(e.dlqTarget())
	cfg := e.config()
	cfg.Pool = e.pool()
	cfg.MaxDeliveries = 3
	cfg.Lease = e.longLease()
	l := e.listen(cfg)
	orig := e.richMessage()
	e.send(e.target(), transport.Info, orig)
	ctx := e.ctx()
	for want := 1; want <= 3; want++ {
		d := e.next(l)
		require.Equal(t, want, d.Deliveries())
		require.NoError(t, d.Requeue(ctx, 0), "requeue of delivery %d", want)
	}
	r := e.next(dlq)
	rec := e.checkRecord(r, orig, e.dlqTarget(), cfg.Pool)
	assert.Equal(t, transport.ReasonMaxDeliveries, rec.Info.Reason)
	assert.Equal(t, 3, rec.Deliveries)
	require.NoError(t, r.Ack(ctx))
	e.none(l, dlq)
}

// testMaxDeliveriesLease: with MaxDeliveries 2, letting two leases run out
// dead-letters the message; the last delivery can no longer be settled.
func testMaxDeliveriesLease(t *testing.T, e *env) {
	dlq := e.dlqListener(e.dlqTarget())
	cfg := e.config()
	cfg.Pool = e.pool()
	cfg.MaxDeliveries = 2
	cfg.Lease = e.cfg.Lease
	cfg.Prefetch = 4
	l := e.listen(cfg)
	orig := e.richMessage()
	e.send(e.target(), transport.Info, orig)
	d1 := e.next(l)
	assert.Equal(t, 1, d1.Deliveries())
	d2 := e.next(l) // after the first lease ran out
	assert.Equal(t, 2, d2.Deliveries())
	r := e.next(dlq) // after the second
	rec := e.checkRecord(r, orig, e.dlqTarget(), cfg.Pool)
	assert.Equal(t, transport.ReasonMaxDeliveries, rec.Info.Reason)
	assert.Equal(t, 2, rec.Deliveries)
	ctx := e.ctx()
	require.NoError(t, r.Ack(ctx))
	assert.ErrorIs(t, d2.Ack(ctx), transport.ErrLeaseExpired, "ack after the lease ran out")
	e.none(l, dlq)
}

// testExplicitDeadLetter: DeadLetter writes a record with the caller's
// reason, last error and endpoint to the configured dead-letter topic, and
// settles the delivery.
func testExplicitDeadLetter(t *testing.T, e *env) {
	custom := target.Target{Exchange: e.ex, Topic: e.topic + ".errors"}
	dlq := e.dlqListener(custom)
	cfg := e.config()
	cfg.DeadLetterTopic = custom.Topic
	cfg.Lease = e.longLease()
	l := e.listen(cfg)
	orig := e.richMessage()
	e.send(e.target(), transport.Info, orig)
	ctx := e.ctx()
	d := e.next(l)
	info := transport.DeadLetterInfo{Reason: transport.ReasonRejected, LastError: "webhook answered 400 Bad Request", Endpoint: "billing", ID: "dl-" + e.tag}
	require.NoError(t, d.DeadLetter(ctx, info))

	r := e.next(dlq)
	rec := e.checkRecord(r, orig, custom, "")
	assert.Equal(t, info, rec.Info)
	assert.Equal(t, 1, rec.Deliveries)
	require.NoError(t, r.Ack(context.Background()))
	e.none(l, dlq)
}
