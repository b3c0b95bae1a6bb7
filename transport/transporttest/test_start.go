package transporttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/transport"
)

func startTests() []testCase {
	start := transport.Capabilities{Pools: true, StartPosition: true}
	return []testCase{
		{name: "new_pool_starts_with_everything_retained", needs: start, run: testStartAll},
		{name: "new_pool_starts_from_a_time", needs: start, run: testStartTime},
		{name: "start_position_never_moves_an_existing_group", needs: start, run: testStartKept},
		{name: "transient_pool_starts_new", needs: transport.Capabilities{Pools: true}, run: testTransient},
	}
}

// testStartAll: a pool made with StartAll gets what was sent before it
// existed, and then what is sent after.
func testStartAll(t *testing.T, e *env) {
	before := MessageBodies(e.sendN(3))
	cfg := e.config()
	cfg.Pool, cfg.Start = e.name("p"), transport.StartAllPosition
	l := e.listen(cfg)
	after := e.msg(10)
	e.send(e.target(), transport.Info, after)
	got := Bodies(e.collect(l, 4))
	assert.ElementsMatch(t, append(before, string(after.Body)), got)
	e.none(l)
}

// testStartTime: a pool made with StartAt(t) gets what was stored from t
// on, not what came before.
func testStartTime(t *testing.T, e *env) {
	e.send(e.target(), transport.Info, e.msg(0))
	// The broker stamps messages with its own clock; leave a margin on
	// both sides of the boundary.
	time.Sleep(50 * time.Millisecond) // pacing: a boundary between the two sends
	from := time.Now()
	time.Sleep(50 * time.Millisecond) // pacing
	later := e.msg(1)
	e.send(e.target(), transport.Info, later)
	cfg := e.config()
	cfg.Pool, cfg.Start = e.name("p"), transport.StartAt(from)
	l := e.listen(cfg)
	d := e.next(l)
	assert.Equal(t, string(later.Body), string(d.Message().Body), "only what was stored from the start time")
	assert.NoError(t, d.Ack(context.Background()))
	e.none(l)
}

// testStartKept: the start position applies when the group is made; a
// listener of the same group started later with another position goes
// on where the group was, missing nothing.
func testStartKept(t *testing.T, e *env) {
	cfg := e.config()
	cfg.Pool, cfg.Start = e.name("p"), transport.StartNewPosition
	first := e.listen(cfg)
	m0 := e.msg(0)
	e.send(e.target(), transport.Info, m0)
	d := e.next(first)
	assert.NoError(t, d.Ack(context.Background()))
	assert.NoError(t, first.Close())

	while := e.msg(1)
	e.send(e.target(), transport.Info, while)
	cfg.Start = transport.StartAllPosition
	again := e.listen(cfg)
	d = e.next(again)
	assert.Equal(t, string(while.Body), string(d.Message().Body), "the group goes on where it was: neither from the start nor from now")
	assert.NoError(t, d.Ack(context.Background()))
	e.none(again)
}

// testTransient: a transient pool gets what is sent while it listens.
func testTransient(t *testing.T, e *env) {
	e.send(e.target(), transport.Info, e.msg(0))
	cfg := e.config()
	cfg.Pool, cfg.Transient = e.name("tmp"), true
	l := e.listen(cfg)
	m := e.msg(1)
	e.send(e.target(), transport.Info, m)
	d := e.next(l)
	assert.Equal(t, string(m.Body), string(d.Message().Body))
	assert.NoError(t, d.Ack(context.Background()))
	e.none(l)
}
