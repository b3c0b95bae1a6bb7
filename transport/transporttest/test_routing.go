package transporttest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func routingTests() []testCase {
	return []testCase{
		{name: "topics_and_exchanges_are_isolated", run: testIsolation},
		{name: "priorities_route", run: testPriorities},
		{name: "one_listener_many_targets", run: testManyTargets},
		{name: "every_priority_served_with_a_large_prefetch", run: testNoStarvation},
	}
}

// testIsolation: a listener gets its own (exchange, topic) only, even when
// another exchange has the same topic or the same exchange another topic.
func testIsolation(t *testing.T, e *env) {
	ex2, topic2 := e.name("x"), e.name("t")
	targets := []target.Target{
		{Exchange: e.ex, Topic: e.topic},
		{Exchange: e.ex, Topic: topic2},
		{Exchange: ex2, Topic: e.topic},
	}
	ls := make([]transport.Listener, len(targets))
	for i, tg := range targets {
		ls[i] = e.listen(transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}})
	}
	for i, tg := range targets {
		e.send(tg, transport.Info, e.msg(i))
	}
	for i, l := range ls {
		d := e.next(l)
		assert.Equal(t, string(e.msg(i).Body), string(d.Message().Body), "listener on %s", targets[i])
		assert.Equal(t, targets[i].Exchange, d.Source().Target.Exchange)
		assert.Equal(t, targets[i].Topic, d.Source().Target.Topic)
		assert.NoError(t, d.Ack(context.Background()))
	}
	e.none(ls...)
}

// testPriorities: a listener gets the priorities it subscribed to and no
// other; the source names the priority the message was routed by.
func testPriorities(t *testing.T, e *env) {
	infoOnly := e.listen(e.config(transport.Info))
	topic2 := target.Target{Exchange: e.ex, Topic: e.name("t")}
	warnErr := e.listen(transport.ListenConfig{Targets: []target.Target{topic2},
		Priorities: []transport.Priority{transport.Warn, transport.Error}})

	e.send(e.target(), transport.Error, e.msg(0))
	e.send(e.target(), transport.Sample, e.msg(1))
	e.send(e.target(), transport.Info, e.msg(2))
	d := e.next(infoOnly)
	assert.Equal(t, string(e.msg(2).Body), string(d.Message().Body), "only the info message reaches an info listener")
	assert.Equal(t, transport.Info, d.Source().Priority)
	assert.NoError(t, d.Ack(context.Background()))

	sent := map[string]transport.Priority{}
	for i, p := range transport.Priorities() {
		m := e.msg(10 + i)
		e.send(topic2, p, m)
		if p == transport.Warn || p == transport.Error {
			sent[string(m.Body)] = p
		}
	}
	got := map[string]transport.Priority{}
	for _, d := range e.collect(warnErr, 2) {
		got[string(d.Message().Body)] = d.Source().Priority
	}
	assert.Equal(t, sent, got, "warn and error arrive, each with its priority")
	e.none(infoOnly, warnErr)
}

// testManyTargets: one listener on two targets × two priorities gets the
// messages of all four keys, each with its source.
func testManyTargets(t *testing.T, e *env) {
	t2 := target.Target{Exchange: e.name("x"), Topic: e.name("t")}
	cfg := transport.ListenConfig{
		Targets:    []target.Target{e.target(), t2},
		Priorities: []transport.Priority{transport.Info, transport.Error},
	}
	l := e.listen(cfg)
	type src struct{ ex, topic, prio string }
	want := map[string]src{}
	n := 0
	for _, tg := range cfg.Targets {
		for _, p := range cfg.Priorities {
			for range 3 {
				m := e.msg(n)
				n++
				e.send(tg, p, m)
				want[string(m.Body)] = src{tg.Exchange, tg.Topic, string(p)}
			}
		}
	}
	got := map[string]src{}
	for _, d := range e.collect(l, n) {
		s := d.Source()
		got[string(d.Message().Body)] = src{s.Target.Exchange, s.Target.Topic, string(s.Priority)}
	}
	assert.Equal(t, want, got)
	e.none(l)
}

// testNoStarvation: a listener on all seven priorities with a large
// prefetch gets a message on any one of them promptly, even after another
// priority was busy (a driver with one pull or consumer per subject must
// not let one subject hold the whole prefetch).
func testNoStarvation(t *testing.T, e *env) {
	cfg := e.config(transport.Priorities()...)
	cfg.Prefetch = 512
	l := e.listen(cfg)
	for i := range 20 {
		e.send(e.target(), transport.Info, e.msg(i))
	}
	for _, d := range e.collect(l, 20) {
		assert.Equal(t, transport.Info, d.Source().Priority)
	}
	for i, p := range transport.Priorities() {
		e.send(e.target(), p, e.msg(100+i))
		d := e.next(l)
		assert.Equal(t, p, d.Source().Priority, "a message on %s arrived", p)
		assert.NoError(t, d.Ack(context.Background()))
	}
}
