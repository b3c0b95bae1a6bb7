package transporttest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

func deliveryTests() []testCase {
	return []testCase{
		{name: "body_and_headers_byte_for_byte", run: testBodyAndHeaders},
		{name: "default_exchange", run: testDefaultExchange},
		{name: "handled_is_never_redelivered", run: testHandledNotRedelivered},
		{name: "send_and_listen_validate", run: testValidation},
	}
}

// testBodyAndHeaders: a binary body, a JSON body and an empty body arrive
// with ID, body and headers exactly as sent, even though the sender reuses
// its buffers right after Send.
func testBodyAndHeaders(t *testing.T, e *env) {
	l := e.listen(e.config())

	binary := make([]byte, 512)
	for i := range binary {
		binary[i] = byte(i) // every byte value, NUL and invalid UTF-8 included
	}
	sent := []transport.Message{
		{ID: e.tag + "-bin", Body: binary, Header: transport.Header{
			oslo.HeaderCompression: oslo.CompressionGzip,
			"X-Unicode":            "héllo ✓ 日本",
			"X-Case":               "Mixed",
			"x-case":               "lower",
		}},
		{ID: e.tag + "-json", Body: []byte(`{"oslo.version": "2.0", "oslo.message": "{\"priority\": \"INFO\"}"}`),
			Header: transport.Header{"content_encoding": "utf-8"}},
		{ID: e.tag + "-empty", Body: []byte{}},
	}
	for _, m := range sent {
		orig := transport.Message{ID: m.ID, Body: bytes.Clone(m.Body), Header: m.Header.Clone()}
		e.send(e.target(), transport.Info, m)
		// The transport owns a copy now: the caller's buffers are free.
		for i := range m.Body {
			m.Body[i] ^= 0xff
		}
		for k := range m.Header {
			m.Header[k] = "changed"
		}
		if m.Header != nil {
			m.Header["Added-After-Send"] = "x"
		}

		d := e.next(l)
		got := d.Message()
		assert.Equal(t, orig.ID, got.ID, "message ID")
		assert.True(t, bytes.Equal(orig.Body, got.Body), "body of %s differs:\nsent %q\n got %q", orig.ID, orig.Body, got.Body)
		if len(orig.Header) == 0 {
			assert.Empty(t, got.Header, "headers of %s", orig.ID)
		} else {
			assert.Equal(t, orig.Header, got.Header, "headers of %s", orig.ID)
		}
		src := d.Source()
		assert.Equal(t, e.ex, src.Target.Exchange, "source exchange")
		assert.Equal(t, e.topic, src.Target.Topic, "source topic")
		assert.Equal(t, transport.Info, src.Priority, "source priority")
		assert.Empty(t, src.Pool, "source pool of a non-pooled listener")
		assert.Equal(t, 1, d.Deliveries(), "first delivery")
		require.NoError(t, d.Ack(context.Background()))
	}
	e.none(l)
}

// testDefaultExchange: an empty exchange, on either side, means the
// transport's default exchange, and the source names it.
func testDefaultExchange(t *testing.T, e *env) {
	def := e.tr.DefaultExchange()
	require.NotEmpty(t, def, "DefaultExchange")
	tg := target.Target{Topic: e.topic} // the topic is unique, so sharing the exchange is safe
	l := e.listen(transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}})

	e.send(tg, transport.Info, e.msg(0))
	d := e.next(l)
	assert.Equal(t, string(e.msg(0).Body), string(d.Message().Body))
	assert.Equal(t, def, d.Source().Target.Exchange, "source exchange resolved to the default")
	require.NoError(t, d.Ack(context.Background()))

	// The same key, spelled with the exchange.
	e.send(target.Target{Exchange: def, Topic: e.topic}, transport.Info, e.msg(1))
	d = e.next(l)
	assert.Equal(t, string(e.msg(1).Body), string(d.Message().Body))
	require.NoError(t, d.Ack(context.Background()))
	e.none(l)
}

// testHandledNotRedelivered: an acknowledged message never comes back, not
// even after its lease would have run out.
func testHandledNotRedelivered(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Lease = e.cfg.Lease
	l := e.listen(cfg)
	msgs := e.sendN(3)
	ds := e.collect(l, 3)
	assert.ElementsMatch(t, MessageBodies(msgs), Bodies(ds))
	for _, d := range ds {
		assert.Equal(t, 1, d.Deliveries())
	}
	if e.cfg.Capabilities.Lease {
		time.Sleep(e.cfg.Lease) // pacing, not an assertion: let any lease run out
	}
	e.none(l)
}

// testValidation: Send and Listen refuse what no broker could route.
func testValidation(t *testing.T, e *env) {
	ctx := context.Background()
	err := e.tr.Send(ctx, target.Target{Exchange: e.ex}, transport.Info, e.msg(0))
	assert.ErrorIs(t, err, target.ErrInvalidTarget, "send without a topic")
	err = e.tr.Send(ctx, e.target(), transport.Priority("loud"), e.msg(0))
	assert.Error(t, err, "send with an unknown priority")
	err = e.tr.Send(ctx, e.target(), transport.Priority("INFO"), e.msg(0))
	assert.Error(t, err, "send with an upper-case priority (the routing key is lower case)")

	_, err = e.tr.Listen(ctx, transport.ListenConfig{Priorities: []transport.Priority{transport.Info}})
	assert.ErrorIs(t, err, transport.ErrInvalidConfig, "listen without targets")
	_, err = e.tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{e.target()}})
	assert.ErrorIs(t, err, transport.ErrInvalidConfig, "listen without priorities")
	_, err = e.tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Exchange: e.ex}}, Priorities: []transport.Priority{transport.Info}})
	assert.ErrorIs(t, err, target.ErrInvalidTarget, "listen without a topic")
	bad := e.config()
	bad.Pool = "has.dot"
	_, err = e.tr.Listen(ctx, bad)
	assert.ErrorIs(t, err, target.ErrInvalidTarget, "listen with an invalid pool name")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, e.tr.Send(cctx, e.target(), transport.Info, e.msg(0)), context.Canceled, "send with a cancelled context")
}
