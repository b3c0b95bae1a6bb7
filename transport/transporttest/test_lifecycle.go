package transporttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func lifecycleTests() []testCase {
	return []testCase{
		{name: "stop_ends_intake_but_settles", run: testStop},
		{name: "close_is_idempotent", run: testCloseIdempotent},
		{name: "close_gives_unsettled_back", needs: transport.Capabilities{Requeue: true}, run: testCloseGivesBack},
		{name: "transport_close", run: testTransportClose},
		{name: "listen_context_ends_intake", run: testListenContext},
		{name: "next_context", run: testNextContext},
	}
}

// nextClosed checks that Next fails with ErrClosed, without waiting for
// the timeout.
func (e *env) nextClosed(l transport.Listener, what string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	defer cancel()
	start := time.Now()
	d, err := l.Next(ctx)
	if !assert.ErrorIs(e.t, err, transport.ErrClosed, "Next %s", what) && d != nil {
		e.t.Logf("got a delivery of %q", d.Message().Body)
	}
	assert.Less(e.t, time.Since(start), e.cfg.Timeout, "Next %s must not wait for its context", what)
}

// testStop: after Stop, Next fails with ErrClosed but a delivery already
// handed out can still be settled; with requeue, what the stopped member
// had not taken goes to the next member.
func testStop(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Pool = e.pool()
	cfg.Lease = e.longLease()
	l := e.listen(cfg)
	sent := e.sendN(2)
	ctx := e.ctx()

	d := e.next(l)
	require.NoError(t, l.Stop())
	require.NoError(t, l.Stop(), "Stop is idempotent")
	e.nextClosed(l, "after Stop")
	require.NoError(t, d.Ack(ctx), "a delivery handed out before Stop still settles")

	if !e.cfg.Capabilities.Requeue {
		return // at most once: what the stopped member had buffered may be gone
	}
	other := e.listen(cfg)
	got := e.next(other)
	for _, m := range sent {
		if string(m.Body) != string(d.Message().Body) {
			assert.Equal(t, string(m.Body), string(got.Message().Body), "the message the stopped member had not taken")
		}
	}
	require.NoError(t, got.Ack(ctx))
	e.none(other)
	require.NoError(t, l.Close())
}

// testCloseIdempotent: Close, Close again and Stop after Close all
// succeed, and Next fails with ErrClosed.
func testCloseIdempotent(t *testing.T, e *env) {
	l := e.listen(e.config())
	require.NoError(t, l.Close())
	require.NoError(t, l.Close(), "second Close")
	require.NoError(t, l.Stop(), "Stop after Close")
	e.nextClosed(l, "after Close")
}

// testCloseGivesBack: closing a listener with an unsettled delivery gives
// the message back to its group, where another member gets it with a
// higher count; the closed listener's delivery can no longer be settled.
func testCloseGivesBack(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Pool = e.pool()
	cfg.Lease = e.longLease()
	l1 := e.listen(cfg)
	sent := e.msg(0)
	e.send(e.target(), transport.Info, sent)
	ctx := e.ctx()
	held := e.next(l1)

	l2 := e.listenOn(e.cfg.NewTransport(t), cfg)
	require.NoError(t, l1.Close())
	require.NoError(t, l1.Close(), "second Close")
	e.nextClosed(l1, "after Close")

	d := e.next(l2)
	assert.Equal(t, string(sent.Body), string(d.Message().Body), "the unsettled message comes back")
	assert.GreaterOrEqual(t, d.Deliveries(), 2, "a released message counts as delivered")
	assert.ErrorIs(t, held.Ack(ctx), transport.ErrClosed, "settling a released delivery")
	require.NoError(t, d.Ack(ctx))
	e.none(l2)
}

// testTransportClose: closing a transport closes its listeners; Close is
// idempotent; Send and Listen afterwards fail with ErrClosed.
func testTransportClose(t *testing.T, e *env) {
	tr := e.cfg.NewTransport(t)
	l, err := tr.Listen(context.Background(), e.config())
	require.NoError(t, err)
	require.NoError(t, tr.Close())
	require.NoError(t, tr.Close(), "second Close")
	e.nextClosed(l, "after the transport closed")
	require.NoError(t, l.Close(), "closing a listener of a closed transport")
	err = tr.Send(context.Background(), e.target(), transport.Info, e.msg(0))
	assert.ErrorIs(t, err, transport.ErrClosed, "Send after Close")
	_, err = tr.Listen(context.Background(), e.config())
	assert.ErrorIs(t, err, transport.ErrClosed, "Listen after Close")
}

// testListenContext: when the context given to Listen is done, intake
// ends: Next fails with ErrClosed (not the context's error: Next's own
// context is live).
func testListenContext(t *testing.T, e *env) {
	lctx, cancel := context.WithCancel(context.Background())
	l, err := e.tr.Listen(lctx, e.config())
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	cancel()
	e.nextClosed(l, "after the Listen context was cancelled")
}

// testNextContext: Next honours its own context, and a cancelled Next
// loses no message.
func testNextContext(t *testing.T, e *env) {
	l := e.listen(e.config())
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.Next(cancelled)
	assert.ErrorIs(t, err, context.Canceled, "Next with a cancelled context")

	short, cancel2 := context.WithTimeout(context.Background(), e.cfg.Quiet)
	_, err = l.Next(short)
	cancel2()
	assert.ErrorIs(t, err, context.DeadlineExceeded, "Next whose deadline passes while waiting")

	e.sendN(1)
	d := e.next(l)
	assert.Equal(t, 1, d.Deliveries(), "the listener still works, and the cancelled calls took nothing")
	require.NoError(t, d.Ack(context.Background()))
}
