package nats_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/nats/embedded"
	"github.com/harkmq/hark/transport/oslo"
	"github.com/harkmq/hark/transport/transporttest"
)

// The scenarios below run against a real embedded server. Their waits
// are upper bounds (a slow machine makes them slower, not failing); the
// short leases only pace redeliveries.

const waitFor = 20 * time.Second

func infoConfig(tg target.Target, pool string) transport.ListenConfig {
	return transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Pool: pool}
}

func listen(t *testing.T, tr transport.Transport, cfg transport.ListenConfig) transport.Listener {
	t.Helper()
	l, err := tr.Listen(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// TestKilledListenerUnackedRedelivered: a pool member whose process dies
// (its connection drops without giving anything back) holding unacked
// messages: after the lease they go to the other member, and every
// message is handled.
func TestKilledListenerUnackedRedelivered(t *testing.T) {
	srv := startServer(t)
	tg := target.Target{Exchange: "killx", Topic: "orders"}
	cfg := infoConfig(tg, "workers")
	cfg.Lease = time.Second
	cfg.Prefetch = 5

	victimTr := openInProcess(t, srv, "nats://")
	victim := listen(t, victimTr, cfg)
	pub := openInProcess(t, srv, "nats://")
	const n = 20
	sent := transporttest.SendN(t, pub, tg, transport.Info, "kill", n)

	// The victim takes what its prefetch allows and never settles it.
	var held []string
	for range cfg.Prefetch {
		d := transporttest.Next(t, victim, waitFor)
		held = append(held, string(d.Message().Body))
	}
	victimTr.Conn().Close() // the process dies: no Nak, no drain

	survivor := listen(t, openInProcess(t, srv, "nats://"), cfg)
	got := map[string]int{}
	redelivered := map[string]int{}
	ctx := testutil.Within(t, waitFor)
	for len(got) < n {
		d, err := survivor.Next(ctx)
		require.NoError(t, err, "received %d of %d", len(got), n)
		body := string(d.Message().Body)
		got[body]++
		if d.Deliveries() > 1 {
			redelivered[body] = d.Deliveries()
		}
		require.NoError(t, d.Ack(ctx))
	}
	assert.ElementsMatch(t, transporttest.MessageBodies(sent), keys(got), "every message handled")
	for _, b := range held {
		assert.GreaterOrEqual(t, redelivered[b], 2, "%s was held by the dead member: redelivered after its lease", b)
	}
	transporttest.AssertNoDelivery(t, 500*time.Millisecond, survivor)
}

// TestServerRestartSameStore: the server restarts on the same store and
// port while a listener runs; the listener reconnects by itself and every
// message, sent before or after the restart, arrives.
func TestServerRestartSameStore(t *testing.T) {
	dir := t.TempDir()
	srv, err := embedded.Start(embedded.Config{Listen: "127.0.0.1:0", StoreDir: dir})
	require.NoError(t, err)
	addr := srv.NATS().Addr().String()
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	u, err := transport.ParseURL(srv.ClientURL() + "?reconnect_wait=50ms&max_reconnect_wait=500ms")
	require.NoError(t, err)
	tr, err := hnats.Open(t.Context(), u, transport.Options{Logger: testLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })

	tg := target.Target{Exchange: "restartx", Topic: "notifications"}
	cfg := infoConfig(tg, "")
	cfg.Lease = 2 * time.Second
	l := listen(t, tr, cfg)

	var (
		mu  sync.Mutex
		got = map[string]int{}
	)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			d, err := l.Next(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			got[string(d.Message().Body)]++
			mu.Unlock()
			_ = d.Ack(ctx) // an ack lost in the restart means a redelivery, not a loss
		}
	})
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }

	before := transporttest.SendN(t, tr, tg, transport.Info, "before", 50)
	require.Eventually(t, func() bool { return count() >= 25 }, waitFor, 10*time.Millisecond)
	// Some are probably still unread: they must survive the restart.
	require.NoError(t, srv.Shutdown(t.Context()))
	srv, err = embedded.Start(embedded.Config{Listen: addr, StoreDir: dir})
	require.NoError(t, err, "restart on the same address and store")
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	var after []transport.Message
	require.Eventually(t, func() bool {
		// Send fails until the client has reconnected; retry as a
		// notifier would.
		m := transporttest.NewMessage("after", len(after))
		if tr.Send(t.Context(), tg, transport.Info, m) == nil {
			after = append(after, m)
		}
		return len(after) == 50
	}, waitFor, 10*time.Millisecond)

	want := append(transporttest.MessageBodies(before), transporttest.MessageBodies(after)...)
	require.Eventually(t, func() bool { return count() == len(want) }, waitFor, 10*time.Millisecond,
		"every message sent before and after the restart arrives")
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	assert.ElementsMatch(t, want, keys(got))
}

// TestTwoPoolsThreeListeners is oslo's case: two pools of three members,
// each on its own connection. Each pool gets every notification exactly
// once, and every member gets a share.
func TestTwoPoolsThreeListeners(t *testing.T) {
	srv := startServer(t)
	tg := target.Target{Exchange: "poolsx", Topic: "notifications"}
	const n, members = 300, 3
	type member struct {
		pool string
		l    transport.Listener
	}
	var ms []member
	for _, pool := range []string{"pool1", "pool2"} {
		cfg := infoConfig(tg, pool)
		cfg.Prefetch = 4
		for range members {
			ms = append(ms, member{pool, listen(t, openInProcess(t, srv, "nats://"), cfg)})
		}
	}
	pub := openInProcess(t, srv, "nats://")
	want := transporttest.MessageBodies(transporttest.SendN(t, pub, tg, transport.Info, "pools", n))

	var (
		mu      sync.Mutex
		perPool = map[string]map[string]int{"pool1": {}, "pool2": {}}
		counts  = make([]int, len(ms))
		total   int
		// A member holds its first delivery until every member of its
		// pool has one, so a share for each does not depend on luck.
		first = make([]chan struct{}, len(ms))
	)
	for i := range first {
		first[i] = make(chan struct{})
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() {
			for {
				d, err := m.l.Next(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				perPool[m.pool][string(d.Message().Body)]++
				counts[i]++
				total++
				mine, done := counts[i], total == 2*n
				mu.Unlock()
				if mine == 1 {
					close(first[i])
					base := i / members * members
					for j := base; j < base+members; j++ {
						select {
						case <-first[j]:
						case <-ctx.Done():
						}
					}
				}
				assert.NoError(t, d.Ack(t.Context()))
				if done {
					cancel()
				}
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for pool, got := range perPool {
		assert.ElementsMatch(t, want, keys(got), "%s got every notification", pool)
		for body, c := range got {
			assert.Equal(t, 1, c, "%s got %s %d times", pool, body, c)
		}
	}
	for i, c := range counts {
		assert.Positive(t, c, "member %d of %s has a share (counts %v)", i%members+1, ms[i].pool, counts)
	}
	for _, m := range ms {
		transporttest.AssertNoDelivery(t, 300*time.Millisecond, m.l)
	}
}

// TestDeadLetterReplayByteForByte: a notification dead-lettered after
// MaxDeliveries requeues is recorded with its original body and headers;
// replaying the record's original to its source gives a listener the
// message exactly as first sent.
func TestDeadLetterReplayByteForByte(t *testing.T) {
	srv := startServer(t)
	// A short duplicate window: a replay is a re-send of the same message
	// ID, which the stream drops as a duplicate within the window.
	tr := openInProcess(t, srv, "nats://?duplicate_window=1s")
	tg := target.Target{Exchange: "dlqx", Topic: "notifications"}
	orig, err := oslo.EncodeNotification(&oslo.OsloMessage{
		MessageID:   "0f9d4c1e-8a2b-4e43-9f2a-5b6c7d8e9f00",
		UniqueID:    "8b5e0c1f2d3a4b5c6d7e8f9a0b1c2d3e",
		PublisherID: "compute.host1",
		EventType:   "compute.instance.create.end",
		Priority:    "INFO",
		Payload:     []byte(`{"instance_id": "abc", "state": "active", "note": "h\u00e9llo"}`),
		Timestamp:   "2026-11-24 08:00:00.000000",
		Context:     map[string]any{"request_id": "req-1"},
	}, oslo.EncodeOptions{Compression: "gzip"})
	require.NoError(t, err)
	orig.Header["X-Trace"] = "  spaced value\r\nwith a line break "
	orig.Header["Nats-Looks-Reserved"] = "kept as a plain header"

	lc := infoConfig(tg, "billing")
	lc.MaxDeliveries = 2
	dlq := listen(t, tr, infoConfig(lc.DeadLetterTarget(tg), ""))
	l := listen(t, tr, lc)
	require.NoError(t, tr.Send(t.Context(), tg, transport.Info, orig))
	ctx := testutil.Within(t, waitFor)
	for range lc.MaxDeliveries {
		d := transporttest.Next(t, l, waitFor)
		require.NoError(t, d.Requeue(ctx, 0))
	}
	r := transporttest.Next(t, dlq, waitFor)
	require.NoError(t, r.Ack(ctx))
	rec, err := transport.ParseDeadLetter(r.Message())
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonMaxDeliveries, rec.Info.Reason)
	assert.Equal(t, 2, rec.Deliveries)
	assert.Equal(t, "billing", rec.Source.Pool)
	assert.Equal(t, orig, rec.Original, "the record keeps the original byte for byte")

	// Replay to the source, as "hark dlq replay" would, and read it in a
	// new pool (which, unlike the non-pooled group, has no copy of the
	// original). Within the duplicate window the stream drops the replay
	// as a duplicate of the original (same message ID), so replay until
	// it arrives.
	replays := listen(t, tr, infoConfig(rec.Source.Target, "replays"))
	var (
		d        transport.Delivery
		attempts int
	)
	require.Eventually(t, func() bool {
		attempts++
		require.NoError(t, tr.Send(ctx, rec.Source.Target, rec.Source.Priority, rec.Original))
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		d, err = replays.Next(short)
		return err == nil
	}, waitFor, time.Millisecond)
	t.Logf("the replay arrived after %d attempts", attempts)
	assert.Equal(t, 1, d.Deliveries())
	got := d.Message()
	assert.Equal(t, orig.ID, got.ID)
	assert.Equal(t, orig.Body, got.Body, "body byte for byte")
	assert.Equal(t, orig.Header, got.Header, "headers")
	decoded, err := oslo.DecodeNotification(got)
	require.NoError(t, err)
	assert.Equal(t, "compute.instance.create.end", decoded.EventType)
	require.NoError(t, d.Ack(ctx))
}

// TestDuplicateMessageIDDeliveredOnce: a notification re-sent with the
// same message ID (a notifier retry) is stored, and delivered, once.
func TestDuplicateMessageIDDeliveredOnce(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "dupx", Topic: "notifications"}
	l := listen(t, tr, infoConfig(tg, ""))
	m := transporttest.NewMessage("dup", 1)
	for range 3 {
		require.NoError(t, tr.Send(t.Context(), tg, transport.Info, m), "a duplicate is not an error")
	}
	other := transporttest.NewMessage("dup", 2)
	require.NoError(t, tr.Send(t.Context(), tg, transport.Info, other))
	ds := transporttest.Collect(t, l, 2, waitFor)
	assert.Equal(t, []string{string(m.Body), string(other.Body)}, transporttest.Bodies(ds))
	transporttest.AssertNoDelivery(t, 500*time.Millisecond, l)
}

// TestCoreModeAtMostOnce: core mode delivers to each group, cannot
// requeue, and says so.
func TestCoreModeAtMostOnce(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://?mode=core")
	assert.Equal(t, hnats.ModeCore, tr.Mode())
	caps := tr.Capabilities()
	require.ErrorIs(t, caps.Require(transport.Capabilities{Requeue: true}), transport.ErrNotSupported)
	tg := target.Target{Exchange: "corex", Topic: "notifications"}
	l := listen(t, tr, infoConfig(tg, ""))
	require.NoError(t, tr.Send(t.Context(), tg, transport.Info, transporttest.NewMessage("core", 0)))
	d := transporttest.Next(t, l, waitFor)
	err := d.Requeue(t.Context(), 0)
	require.ErrorIs(t, err, transport.ErrNotSupported)
	assert.Contains(t, err.Error(), "mode=jetstream")
	require.ErrorIs(t, d.DeadLetter(t.Context(), transport.DeadLetterInfo{Reason: "x"}), transport.ErrNotSupported)
	require.NoError(t, d.Ack(t.Context()))
	assert.Zero(t, tr.SlowConsumerEvents())
}

// TestStopGivesBackPromptly: Stop hands what the listener had buffered to
// another member at once, not after the lease.
func TestStopGivesBackPromptly(t *testing.T) {
	srv := startServer(t)
	tg := target.Target{Exchange: "stopx", Topic: "notifications"}
	cfg := infoConfig(tg, "p")
	cfg.Lease = time.Hour // a redelivery by lease expiry would time the test out
	tr := openInProcess(t, srv, "nats://")
	a := listen(t, tr, cfg)
	transporttest.SendN(t, tr, tg, transport.Info, "stop", 10)
	d := transporttest.Next(t, a, waitFor) // the rest is buffered by a
	require.NoError(t, a.Stop())
	b := listen(t, openInProcess(t, srv, "nats://"), cfg)
	ds := transporttest.Collect(t, b, 9, waitFor)
	for _, x := range ds {
		assert.GreaterOrEqual(t, x.Deliveries(), 1)
	}
	require.NoError(t, d.Ack(t.Context()), "a handed-out delivery still settles after Stop")
	transporttest.AssertNoDelivery(t, 300*time.Millisecond, b)
}

// TestLateAckAfterLease: a settle after the lease ran out is refused with
// ErrLeaseExpired and nothing is sent (the server would accept a late ack
// for a message still pending, even one already redelivered elsewhere).
func TestLateAckAfterLease(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "latex", Topic: "notifications"}
	cfg := infoConfig(tg, "")
	cfg.Lease = time.Second
	l := listen(t, tr, cfg)
	transporttest.SendN(t, tr, tg, transport.Info, "late", 1)
	d := transporttest.Next(t, l, waitFor)
	time.Sleep(cfg.Lease) // pacing: let the lease run out
	err := d.Ack(t.Context())
	require.ErrorIs(t, err, transport.ErrLeaseExpired)
	again := transporttest.Next(t, l, waitFor)
	assert.Equal(t, 2, again.Deliveries())
	require.NoError(t, again.Ack(t.Context()))
	require.False(t, errors.Is(again.Ack(t.Context()), transport.ErrLeaseExpired))
}

func keys(m map[string]int) []string {
	s := make([]string, 0, len(m))
	for k := range m {
		s = append(s, k)
	}
	return s
}

// TestNextNeverStarvesForABatch: a listener that holds most of its
// prefetch and settles one at a time still gets the next message (the
// puller waits for a worthwhile batch only while something is buffered).
func TestNextNeverStarvesForABatch(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "starvex", Topic: "notifications"}
	cfg := infoConfig(tg, "")
	cfg.Prefetch = 4
	l := listen(t, tr, cfg)
	transporttest.SendN(t, tr, tg, transport.Info, "starve", 8)
	ctx := testutil.Within(t, waitFor)
	var held []transport.Delivery
	for range 3 {
		held = append(held, transporttest.Next(t, l, waitFor))
	}
	for i := range 5 {
		d := transporttest.Next(t, l, waitFor) // one slot free at a time
		require.NoError(t, d.Ack(ctx), "message %d", i)
	}
	for _, d := range held {
		require.NoError(t, d.Ack(ctx))
	}
	transporttest.AssertNoDelivery(t, 300*time.Millisecond, l)
}

// TestFewerSlotsThanConsumers: a listener with Prefetch 1 on three
// priorities (three consumers) takes turns among them and gets everything.
func TestFewerSlotsThanConsumers(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "rotx", Topic: "notifications"}
	ps := []transport.Priority{transport.Info, transport.Warn, transport.Error}
	l := listen(t, tr, transport.ListenConfig{Targets: []target.Target{tg}, Priorities: ps, Prefetch: 1})
	want := map[string]transport.Priority{}
	for i := range 9 {
		p := ps[i%len(ps)]
		m := transporttest.NewMessage("rot", i)
		transporttest.Send(t, tr, tg, p, m)
		want[string(m.Body)] = p
	}
	got := map[string]transport.Priority{}
	for _, d := range transporttest.Collect(t, l, 9, waitFor) {
		got[string(d.Message().Body)] = d.Source().Priority
	}
	assert.Equal(t, want, got)
	transporttest.AssertNoDelivery(t, 300*time.Millisecond, l)
}

// TestHealthy follows the connection: healthy while connected, an error
// naming the trouble while the server is away, healthy again after it
// comes back, closed after Close.
func TestHealthy(t *testing.T) {
	dir := t.TempDir()
	srv, err := embedded.Start(embedded.Config{Listen: "127.0.0.1:0", StoreDir: dir})
	require.NoError(t, err)
	addr := srv.NATS().Addr().String()
	u, err := transport.ParseURL(srv.ClientURL() + "?reconnect_wait=50ms&max_reconnect_wait=200ms")
	require.NoError(t, err)
	tr, err := hnats.Open(t.Context(), u, transport.Options{})
	require.NoError(t, err)
	require.NoError(t, transport.CheckHealth(tr))

	require.NoError(t, srv.Shutdown(t.Context()))
	require.Eventually(t, func() bool { return transport.CheckHealth(tr) != nil }, waitFor, 10*time.Millisecond)
	assert.Contains(t, transport.CheckHealth(tr).Error(), "reconnecting")

	srv, err = embedded.Start(embedded.Config{Listen: addr, StoreDir: dir})
	require.NoError(t, err)
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	require.Eventually(t, func() bool { return transport.CheckHealth(tr) == nil }, waitFor, 10*time.Millisecond)
	require.NoError(t, tr.Close())
	require.ErrorIs(t, transport.CheckHealth(tr), transport.ErrClosed)
}
