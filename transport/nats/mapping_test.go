package nats_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/nats/embedded"
	"github.com/harkmq/hark/transport/transporttest"
)

// These tests pin down the JetStream mapping (doc.go, "Topology"): what
// the transport makes on the server, and that its cost does not grow with
// topics, priorities or the subjects senders reach.

// jsOf returns a plain JetStream context on srv, for looking at what the
// transport made.
func jsOf(t testing.TB, srv *embedded.Server) jetstream.JetStream {
	t.Helper()
	nc, err := srv.Connect()
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return js
}

// consumerInfos lists the consumers of an exchange's stream.
func consumerInfos(t testing.TB, js jetstream.JetStream, exchange string) []*jetstream.ConsumerInfo {
	t.Helper()
	ctx := testutil.Within(t, waitFor)
	s, err := js.Stream(ctx, hnats.StreamName(exchange))
	require.NoError(t, err)
	var out []*jetstream.ConsumerInfo
	list := s.ListConsumers(ctx)
	for ci := range list.Info() {
		out = append(out, ci)
	}
	require.NoError(t, list.Err())
	return out
}

// TestSendCreatesNothingPerSubject: sends to more distinct subjects than a
// stream allows consumers (nats-server refuses the 1,001st) all succeed,
// and make the stream and nothing else.
func TestSendCreatesNothingPerSubject(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	const topics = 1100
	for i := range topics {
		tg := target.Target{Exchange: "manysubj", Topic: fmt.Sprintf("t%d", i)}
		transporttest.Send(t, tr, tg, transport.Priorities()[i%7], transporttest.NewMessage("m", i))
	}
	js := jsOf(t, srv)
	assert.Empty(t, consumerInfos(t, js, "manysubj"), "a send makes no consumer")
	s, err := js.Stream(testutil.Within(t, waitFor), hnats.StreamName("manysubj"))
	require.NoError(t, err)
	assert.Equal(t, uint64(topics), s.CachedInfo().State.Msgs, "every notification is stored (limits retention)")
}

// TestStreamRetention: the stream keeps notifications whether or not
// every group has read them, for max age; so a group made later can read
// them, and storage does not depend on the groups.
func TestStreamRetention(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://?max_age=2s")
	tg := target.Target{Exchange: "retx", Topic: "notifications"}
	pool := listen(t, tr, infoConfig(tg, "billing"))
	transporttest.SendN(t, tr, tg, transport.Info, "ret", 5)
	transporttest.Collect(t, pool, 5, waitFor) // acknowledged
	js := jsOf(t, srv)
	s, err := js.Stream(testutil.Within(t, waitFor), hnats.StreamName("retx"))
	require.NoError(t, err)
	cfg := s.CachedInfo().Config
	assert.Equal(t, jetstream.LimitsPolicy, cfg.Retention)
	assert.Equal(t, 2*time.Second, cfg.MaxAge)
	assert.Equal(t, uint64(5), s.CachedInfo().State.Msgs, "kept after every group acknowledged them")

	late := infoConfig(tg, "audit")
	late.Start = transport.StartAllPosition
	l := listen(t, tr, late)
	assert.Len(t, transporttest.Collect(t, l, 5, waitFor), 5, "a group made later reads what the stream keeps")

	require.Eventually(t, func() bool {
		info, err := s.Info(t.Context())
		return err == nil && info.State.Msgs == 0
	}, waitFor, 50*time.Millisecond, "gone after max age")
}

// TestOneConsumerPerGroupAndShape: a listener on many topics and every
// priority has one consumer, with one filter per topic; listeners of one
// group with the same targets and priorities share it; another group has
// its own.
func TestOneConsumerPerGroupAndShape(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	var tgs []target.Target
	for i := range 20 {
		tgs = append(tgs, target.Target{Exchange: "shapex", Topic: fmt.Sprintf("topic%d", i)})
	}
	cfg := transport.ListenConfig{Targets: tgs, Priorities: transport.Priorities()}
	listen(t, tr, cfg)
	listen(t, openInProcess(t, srv, "nats://"), cfg) // a second member
	cfg.Pool = "billing"
	listen(t, tr, cfg)
	infos := consumerInfos(t, jsOf(t, srv), "shapex")
	require.Len(t, infos, 2, "the non-pooled group's and the pool's")
	for _, ci := range infos {
		assert.Len(t, ci.Config.FilterSubjects, 20, "%s: one filter per topic", ci.Name)
		assert.Equal(t, "shapex.topic0.*", ci.Config.FilterSubjects[0])
	}
}

// TestThousandTopics: one listener on 1,000 topics × 7 priorities starts
// quickly, makes one consumer, keeps one pull request open while idle
// (no polling), holds no goroutine per subject, and delivers on any
// subject.
func TestThousandTopics(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	var tgs []target.Target
	for i := range 1000 {
		tgs = append(tgs, target.Target{Exchange: "kilo", Topic: fmt.Sprintf("service%d.notifications", i)})
	}
	js := jsOf(t, srv)
	// What one listener on one subject costs in goroutines (the embedded
	// server's for its consumer included), to compare with.
	before := runtime.NumGoroutine()
	one := listen(t, tr, transport.ListenConfig{Targets: tgs[:1], Priorities: []transport.Priority{transport.Info}, Pool: "one"})
	perListener := runtime.NumGoroutine() - before

	before = runtime.NumGoroutine()
	start := time.Now()
	l := listen(t, tr, transport.ListenConfig{Targets: tgs, Priorities: transport.Priorities(), Prefetch: 256})
	t.Logf("listening on 1,000 topics × 7 priorities took %s", time.Since(start).Round(time.Millisecond))
	require.Len(t, consumerInfos(t, js, "kilo"), 2, "one per group")
	// Other tests' goroutines come and go meanwhile, so the count is
	// compared with a bound far below one per subject (7,000), not to the
	// goroutine.
	assert.Less(t, runtime.NumGoroutine()-before, max(perListener, 0)+50, "goroutines do not grow with subjects (one subject: %d)", perListener)
	require.NoError(t, one.Close())

	// Count the pull requests the listener sends while idle.
	nc, err := srv.Connect()
	require.NoError(t, err)
	defer nc.Close()
	var requests atomic.Int64
	sub, err := nc.Subscribe("$JS.API.CONSUMER.MSG.NEXT.>", func(*natsgo.Msg) { requests.Add(1) })
	require.NoError(t, err)
	defer func() { _ = sub.Unsubscribe() }()
	require.NoError(t, nc.Flush())
	time.Sleep(3 * time.Second) // measuring: what an idle listener sends in 3s
	assert.LessOrEqual(t, requests.Load(), int64(1), "an idle listener holds its long poll; it does not poll")
	var info *jetstream.ConsumerInfo
	for _, ci := range consumerInfos(t, js, "kilo") {
		if strings.HasPrefix(ci.Name, "all_") {
			info = ci
		}
	}
	require.NotNil(t, info)
	assert.Equal(t, 1, info.NumWaiting, "one request open for 7,000 subjects")

	for i, p := range transport.Priorities() {
		tg := tgs[(i*137)%len(tgs)]
		m := transporttest.NewMessage("kilo", i)
		transporttest.Send(t, tr, tg, p, m)
		d := transporttest.Next(t, l, waitFor)
		assert.Equal(t, string(m.Body), string(d.Message().Body))
		assert.Equal(t, tg.Topic, d.Source().Target.Topic)
		assert.Equal(t, p, d.Source().Priority)
		require.NoError(t, d.Ack(t.Context()))
	}
}

// TestMixedPriorityMembers: members of one pool whose endpoints take
// different priorities each get their own consumer (their shapes
// differ): a member is never handed a priority it does not listen to, so
// it never acknowledges one it has no endpoint for; what both take
// reaches each of them.
func TestMixedPriorityMembers(t *testing.T) {
	srv := startServer(t)
	tg := target.Target{Exchange: "mixx", Topic: "notifications"}
	infoOnly := infoConfig(tg, "billing")
	infoErr := infoOnly
	infoErr.Priorities = []transport.Priority{transport.Info, transport.Error}
	a := listen(t, openInProcess(t, srv, "nats://"), infoOnly)
	b := listen(t, openInProcess(t, srv, "nats://"), infoErr)
	pub := openInProcess(t, srv, "nats://")
	errMsg := transporttest.NewMessage("mix", 0)
	transporttest.Send(t, pub, tg, transport.Error, errMsg)
	infoMsg := transporttest.NewMessage("mix", 1)
	transporttest.Send(t, pub, tg, transport.Info, infoMsg)

	got := map[string]bool{}
	for _, d := range transporttest.Collect(t, b, 2, waitFor) {
		got[string(d.Message().Body)] = true
	}
	assert.True(t, got[string(errMsg.Body)] && got[string(infoMsg.Body)], "the member with an error endpoint gets both")
	d := transporttest.Next(t, a, waitFor)
	assert.Equal(t, string(infoMsg.Body), string(d.Message().Body), "the info-only member gets the info notification")
	require.NoError(t, d.Ack(t.Context()))
	transporttest.AssertNoDelivery(t, 500*time.Millisecond, a, b)
}

// TestShapeChangeKeepsPosition: a pool whose listener comes back with
// another shape (a topic added) starts where the pool had got to: what
// was sent while it was down arrives, nothing before; the old consumer,
// unused, is removed.
func TestShapeChangeKeepsPosition(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	a := target.Target{Exchange: "reshape", Topic: "a"}
	b := target.Target{Exchange: "reshape", Topic: "b"}
	cfg := infoConfig(a, "billing")
	old := listen(t, tr, cfg)
	transporttest.SendN(t, tr, a, transport.Info, "seen", 3)
	transporttest.Collect(t, old, 3, waitFor)
	require.NoError(t, old.Close())
	// The server applies acknowledgements a moment after it reads them;
	// the new shape starts after the group's ack floor as it then stands.
	js := jsOf(t, srv)
	require.Eventually(t, func() bool {
		infos := consumerInfos(t, js, "reshape")
		return len(infos) == 1 && infos[0].AckFloor.Stream == 3
	}, waitFor, 10*time.Millisecond, "the old shape's consumer has its 3 acknowledgements")
	missed := transporttest.SendN(t, tr, a, transport.Info, "down", 2)

	cfg.Targets = []target.Target{a, b}
	l := listen(t, tr, cfg)
	got := transporttest.Collect(t, l, 2, waitFor)
	assert.ElementsMatch(t, transporttest.MessageBodies(missed), transporttest.Bodies(got), "what came while it was down, nothing earlier")
	onB := transporttest.NewMessage("b", 0)
	transporttest.Send(t, tr, b, transport.Info, onB)
	assert.Equal(t, string(onB.Body), string(transporttest.Next(t, l, waitFor).Message().Body))
	infos := consumerInfos(t, jsOf(t, srv), "reshape")
	require.Len(t, infos, 1, "the earlier shape's consumer is gone")
	assert.Len(t, infos[0].Config.FilterSubjects, 2)
}

// TestTransientPool: a transient pool's consumer expires soon after its
// process dies, and is removed when its listener closes.
func TestTransientPool(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "tmpx", Topic: "notifications"}
	cfg := infoConfig(tg, "hark-tail-1")
	cfg.Transient = true
	l := listen(t, tr, cfg)
	js := jsOf(t, srv)
	infos := consumerInfos(t, js, "tmpx")
	require.Len(t, infos, 1)
	assert.Equal(t, hnats.DefaultTransientInactiveThreshold, infos[0].Config.InactiveThreshold)
	assert.True(t, strings.HasPrefix(infos[0].Name, "tmp_"))
	require.NoError(t, l.Close())
	assert.Empty(t, consumerInfos(t, js, "tmpx"), "removed at Close")
}

// TestEarlierHarkStreamMigrated: a stream made by an earlier hark
// (interest retention, one consumer per group and subject) is moved to
// limits retention, and the group's new consumer starts where the old
// per-subject consumer had got to.
func TestEarlierHarkStreamMigrated(t *testing.T) {
	srv := startServer(t)
	js := jsOf(t, srv)
	ctx := testutil.Within(t, waitFor)
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "HARK_oldx", Description: "hark notifications of exchange oldx",
		Subjects: []string{"oldx.>"}, Retention: jetstream.InterestPolicy,
	})
	require.NoError(t, err)
	old, err := js.CreateConsumer(ctx, "HARK_oldx", jetstream.ConsumerConfig{
		Durable: "all_notifications_info_0123abcd", Description: "hark: the non-pooled group on oldx.notifications.info",
		FilterSubject: "oldx.notifications.info", AckPolicy: jetstream.AckExplicitPolicy,
	})
	require.NoError(t, err)
	for i := range 4 {
		_, err := js.Publish(ctx, "oldx.notifications.info", transporttest.NewMessage("old", i).Body)
		require.NoError(t, err)
	}
	batch, err := old.Fetch(2)
	require.NoError(t, err)
	for m := range batch.Messages() {
		require.NoError(t, m.DoubleAck(ctx))
	}

	tr := openInProcess(t, srv, "nats://")
	l := listen(t, tr, infoConfig(target.Target{Exchange: "oldx", Topic: "notifications"}, ""))
	got := transporttest.Collect(t, l, 2, waitFor)
	assert.ElementsMatch(t, []string{string(transporttest.NewMessage("old", 2).Body), string(transporttest.NewMessage("old", 3).Body)},
		transporttest.Bodies(got), "the two the old consumer had not handled")
	s, err := js.Stream(ctx, "HARK_oldx")
	require.NoError(t, err)
	assert.Equal(t, jetstream.LimitsPolicy, s.CachedInfo().Config.Retention)
}

// TestBacklog: a listener reports what waits for its group: not yet
// delivered plus delivered and unacknowledged, falling to 0 as it is
// acknowledged; per exchange, with "*" for a consumer of several topics.
func TestBacklog(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "blx", Topic: "notifications"}
	other := target.Target{Exchange: "blx", Topic: "other"}
	cfg := infoConfig(tg, "billing")
	cfg.Targets = append(cfg.Targets, other)
	cfg.Prefetch = 2
	l := listen(t, tr, cfg)
	transporttest.SendN(t, tr, tg, transport.Info, "bl", 5)
	br := l.(transport.BacklogReporter)
	backlog := func() []transport.Backlog {
		b, err := br.Backlog(testutil.Within(t, waitFor))
		require.NoError(t, err)
		return b
	}
	// nats-server counts a consumer's pending messages when the stream
	// signals it, a moment after the publish is acknowledged: wait for it.
	want := []transport.Backlog{{Exchange: "blx", Topic: transport.AnyTopic, Pool: "billing", Messages: 5}}
	var got []transport.Backlog
	require.Eventually(t, func() bool { got = backlog(); return assert.ObjectsAreEqual(want, got) }, waitFor, 20*time.Millisecond,
		"pending plus delivered and unacknowledged (the prefetch holds 2): got %+v", &got)
	transporttest.Collect(t, l, 5, waitFor)
	require.Eventually(t, func() bool { return backlog()[0].Messages == 0 }, waitFor, 20*time.Millisecond)
}

// TestNarrowerShapeLeavesTheWiderOne: a listener of the group on part of
// another shape's subjects (hark tail --non-pooled --priority info beside
// a stopped harkd) gets its own consumer and leaves the wider one, whose
// other priorities it does not read, where it was.
func TestNarrowerShapeLeavesTheWiderOne(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "narrow", Topic: "notifications"}
	wide := transport.ListenConfig{Targets: []target.Target{tg}, Priorities: transport.Priorities()}
	require.NoError(t, listen(t, tr, wide).Close())
	errMsg := transporttest.NewMessage("narrow", 0)
	transporttest.Send(t, tr, tg, transport.Error, errMsg)

	narrow := listen(t, tr, infoConfig(tg, ""))
	transporttest.AssertNoDelivery(t, 300*time.Millisecond, narrow)
	require.Len(t, consumerInfos(t, jsOf(t, srv), "narrow"), 2, "the wider shape's consumer stays")
	again := listen(t, tr, wide)
	d := transporttest.Next(t, again, waitFor)
	assert.Equal(t, string(errMsg.Body), string(d.Message().Body), "the wider shape still has its error notification")
}
