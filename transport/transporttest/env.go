package transporttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// env is one test's world: a transport, and an exchange, topic and message
// tag no other test uses.
type env struct {
	t     *testing.T
	cfg   Config
	tr    transport.Transport
	ex    string
	topic string
	tag   string
}

func newEnv(t *testing.T, cfg Config) *env {
	tr := cfg.NewTransport(t)
	require.NotNil(t, tr, "Config.NewTransport returned nil")
	return &env{
		t:     t,
		cfg:   cfg,
		tr:    tr,
		ex:    UniqueName(cfg.Prefix + "x"),
		topic: UniqueName(cfg.Prefix + "t"),
		tag:   UniqueName(cfg.Prefix + "m"),
	}
}

// target is the test's exchange and topic.
func (e *env) target() target.Target {
	return target.Target{Exchange: e.ex, Topic: e.topic}
}

// dlqTarget is where the test's dead letters go by default.
func (e *env) dlqTarget() target.Target {
	return target.Target{Exchange: e.ex, Topic: e.topic + transport.DeadLetterSuffix}
}

// name returns a fresh name (a pool, a second topic) for this test.
func (e *env) name(kind string) string { return UniqueName(e.cfg.Prefix + kind) }

// pool returns a fresh pool name when the driver has pools, else "" (the
// non-pooled group), for tests that work either way.
func (e *env) pool() string {
	if e.cfg.Capabilities.Pools {
		return e.name("p")
	}
	return ""
}

// config returns a ListenConfig on the test's target with priorities ps
// (info when none).
func (e *env) config(ps ...transport.Priority) transport.ListenConfig {
	if len(ps) == 0 {
		ps = []transport.Priority{transport.Info}
	}
	return transport.ListenConfig{Targets: []target.Target{e.target()}, Priorities: ps}
}

// longLease is a lease no test outlives, for tests where a lease expiry
// would be a distraction.
func (e *env) longLease() time.Duration { return 3 * e.cfg.Timeout }

// listen opens a listener on the test's transport, closed at cleanup.
func (e *env) listen(cfg transport.ListenConfig) transport.Listener {
	e.t.Helper()
	return e.listenOn(e.tr, cfg)
}

func (e *env) listenOn(tr transport.Transport, cfg transport.ListenConfig) transport.Listener {
	e.t.Helper()
	l, err := tr.Listen(context.Background(), cfg)
	require.NoError(e.t, err, "listen %+v", cfg)
	e.t.Cleanup(func() { _ = l.Close() })
	return l
}

// msg returns the test's message i.
func (e *env) msg(i int) transport.Message { return NewMessage(e.tag, i) }

func (e *env) send(tg target.Target, p transport.Priority, m transport.Message) {
	e.t.Helper()
	Send(e.t, e.tr, tg, p, m)
}

// sendN sends the test's messages [0, n) to its target as info.
func (e *env) sendN(n int) []transport.Message {
	e.t.Helper()
	return SendN(e.t, e.tr, e.target(), transport.Info, e.tag, n)
}

func (e *env) next(l transport.Listener) transport.Delivery {
	e.t.Helper()
	return Next(e.t, l, e.cfg.Timeout)
}

func (e *env) collect(l transport.Listener, n int) []transport.Delivery {
	e.t.Helper()
	return Collect(e.t, l, n, e.cfg.Timeout)
}

// none checks that none of ls gets a delivery within the quiet window.
func (e *env) none(ls ...transport.Listener) bool {
	e.t.Helper()
	return AssertNoDelivery(e.t, e.cfg.Quiet, ls...)
}

// ctx is a context bounded by the timeout, cancelled at cleanup.
func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	e.t.Cleanup(cancel)
	return ctx
}
