package transporttest

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func groupTests() []testCase {
	pools := transport.Capabilities{Pools: true}
	return []testCase{
		{name: "pool_members_share_the_load", needs: pools, run: func(t *testing.T, e *env) { testShare(t, e, e.name("p")) }},
		{name: "non_pooled_listeners_share_the_load", needs: pools, run: func(t *testing.T, e *env) { testShare(t, e, "") }},
		{name: "each_pool_gets_everything", needs: pools, run: testEachPool},
		{name: "pooled_and_non_pooled_each_get_a_copy", needs: pools, run: testPooledAndNonPooled},
		{name: "new_pool_starts_with_new_notifications", needs: pools, run: testNewPool},
		{name: "non_pooled_backlog", needs: transport.Capabilities{Backlog: true}, run: testBacklog},
		{name: "passive_listener_reads_only_what_exists", needs: transport.Capabilities{Backlog: true}, run: testPassive},
	}
}

// testShare: two members of one group (a pool, or the non-pooled group),
// each on its own transport with Prefetch 1, split the messages: each gets
// some, together exactly all, none twice. Each member holds its first
// delivery until the other has one too, so a driver that gave everything
// to one member fails instead of depending on scheduling luck.
func testShare(t *testing.T, e *env, pool string) {
	const n = 20
	cfg := e.config()
	cfg.Pool = pool
	cfg.Prefetch = 1
	cfg.Lease = e.longLease()
	members := []transport.Listener{
		e.listenOn(e.cfg.NewTransport(t), cfg),
		e.listenOn(e.cfg.NewTransport(t), cfg),
	}
	sent := e.sendN(n)

	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	defer cancel()
	var (
		mu     sync.Mutex
		counts = make([]int, len(members))
		seen   = map[string]int{}
		total  int
		first  = []chan struct{}{make(chan struct{}), make(chan struct{})}
		wg     sync.WaitGroup
	)
	for i, l := range members {
		wg.Go(func() {
			for {
				d, err := l.Next(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				counts[i]++
				seen[string(d.Message().Body)]++
				total++
				done := total >= n
				mine := counts[i]
				mu.Unlock()
				if mine == 1 {
					close(first[i])
					select { // wait for the other member's first delivery
					case <-first[1-i]:
					case <-ctx.Done():
					}
				}
				_ = d.Ack(context.Background())
				if done {
					cancel()
				}
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, n, total, "deliveries in all")
	assert.Positive(t, counts[0], "member 1's share (counts %v)", counts)
	assert.Positive(t, counts[1], "member 2's share (counts %v)", counts)
	for body, c := range seen {
		assert.Equal(t, 1, c, "message %s delivered %d times", body, c)
	}
	assert.Len(t, seen, len(sent), "distinct messages")
	e.none(members...)
}

// testEachPool: two pools each get every message.
func testEachPool(t *testing.T, e *env) {
	const n = 10
	cfgA, cfgB := e.config(), e.config()
	cfgA.Pool, cfgB.Pool = e.name("p"), e.name("p")
	a, b := e.listen(cfgA), e.listen(cfgB)
	want := MessageBodies(e.sendN(n))
	da, db := e.collect(a, n), e.collect(b, n)
	assert.ElementsMatch(t, want, Bodies(da), "pool A")
	assert.ElementsMatch(t, want, Bodies(db), "pool B")
	assert.Equal(t, cfgA.Pool, da[0].Source().Pool)
	assert.Equal(t, cfgB.Pool, db[0].Source().Pool)
	e.none(a, b)
}

// testPooledAndNonPooled: the non-pooled group is a group of its own: it
// and a pool each get a copy.
func testPooledAndNonPooled(t *testing.T, e *env) {
	const n = 5
	cfg := e.config()
	cfg.Pool = e.name("p")
	pooled, plain := e.listen(cfg), e.listen(e.config())
	want := MessageBodies(e.sendN(n))
	assert.ElementsMatch(t, want, Bodies(e.collect(pooled, n)), "pool")
	assert.ElementsMatch(t, want, Bodies(e.collect(plain, n)), "non-pooled group")
	e.none(pooled, plain)
}

// testNewPool: a pool created after a message was sent does not get it;
// it gets what is sent after it listens.
func testNewPool(t *testing.T, e *env) {
	before := e.msg(0)
	e.send(e.target(), transport.Info, before)
	cfg := e.config()
	cfg.Pool = e.name("p")
	l := e.listen(cfg)
	after := e.msg(1)
	e.send(e.target(), transport.Info, after)
	d := e.next(l)
	assert.Equal(t, string(after.Body), string(d.Message().Body), "the pool's first message is the one sent after it listened")
	assert.NoError(t, d.Ack(context.Background()))
	e.none(l)
}

// testBacklog: notifications sent before any listener started reach the
// non-pooled group when it listens.
func testBacklog(t *testing.T, e *env) {
	const n = 5
	want := MessageBodies(e.sendN(n))
	l := e.listen(e.config())
	ds := e.collect(l, n)
	assert.ElementsMatch(t, want, Bodies(ds))
	for _, d := range ds {
		assert.Equal(t, 1, d.Deliveries())
	}
	e.none(l)
}

// testPassive: a passive listener (ListenConfig.Passive) on an exchange
// nothing was ever sent to fails with ErrExchangeNotFound; on a topic of
// that exchange with nothing kept for it, with ErrNotFound; on the
// non-pooled group of a topic that was sent to, it reads what was kept.
func testPassive(t *testing.T, e *env) {
	cfg := e.config(transport.Info, transport.Error)
	cfg.Passive = true
	_, err := e.tr.Listen(e.ctx(), cfg)
	assert.ErrorIs(t, err, transport.ErrExchangeNotFound, "nothing was sent to the exchange yet")

	want := MessageBodies(e.sendN(2))
	l := e.listen(cfg)
	assert.ElementsMatch(t, want, Bodies(e.collect(l, 2)))

	other := cfg
	other.Targets = []target.Target{{Exchange: e.ex, Topic: e.name("t")}}
	_, err = e.tr.Listen(e.ctx(), other)
	assert.ErrorIs(t, err, transport.ErrNotFound, "nothing was sent to the topic")
}
