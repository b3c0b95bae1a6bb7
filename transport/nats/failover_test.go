package nats_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/transporttest"
)

// The failover tests run hark's JetStream transport on a 3-server
// cluster (replicas=3), publish continuously from one transport and
// listen (acknowledging everything) on another, kill one server, and
// measure how long deliveries stall. The product target: deliveries
// resume within a few seconds of the kill, about the time the cluster
// takes to elect new leaders, and nothing is lost.
//
// The in-process cluster's kill is Server.Shutdown, which steps the
// killed server's leaderships down first (a handover, as on SIGTERM).
// The SIGKILL scenarios run nats-server processes: this test binary
// (nats-server from go.mod), or the binary HARK_TEST_NATS_SERVER_BIN
// names (docs/bench/failover.sh).
//
// Run with -v to see the transports' log (debug level), what was
// measured, and a timeline of the failover.

const (
	// failoverStallBound is the longest delivery stall the tests accept,
	// or, when the cluster took longer to elect the killed server's
	// successors (after a SIGKILL: its election timeout, 4-9s), that time
	// plus failoverElectionSlack.
	failoverStallBound    = 8 * time.Second
	failoverElectionSlack = 3 * time.Second
	// failoverSendEvery paces the publisher.
	failoverSendEvery = 5 * time.Millisecond
	// failoverSendTimeout bounds one Send attempt; a failed attempt is
	// retried with the same message ID, which the stream de-duplicates.
	failoverSendTimeout = 2 * time.Second
	// failoverLease is the listener's lease: a delivery lost with a killed
	// server comes back after it.
	failoverLease = 5 * time.Second
	// failoverWarmup is how long messages flow before the kill.
	failoverWarmup = time.Second
	// failoverObserve bounds how long the publisher goes on after the kill
	// when deliveries do not resume; once they have, it goes on for
	// failoverAfterResume.
	failoverObserve     = 20 * time.Second
	failoverAfterResume = time.Second
	// failoverDrain bounds the wait, after the publisher stopped, for every
	// message sent to arrive (a delivery lost in the kill comes back
	// after the lease).
	failoverDrain = 2*failoverLease + 10*time.Second
)

// failoverScenario says which roles the killed server (the victim) has.
// It never leads the meta group (the victim is chosen among the other
// servers), and whatever it does not lead is led by the third server.
type failoverScenario struct {
	name string
	// streamLeader, consumerLeader: the victim leads the stream, the
	// listener's consumer.
	streamLeader, consumerLeader bool
	// listenerConn: the listener's connection is attached to the victim
	// (otherwise the listener and the publisher are attached to the other
	// servers).
	listenerConn bool
}

var (
	scenarioStreamLeader   = failoverScenario{name: "stream_leader", streamLeader: true}
	scenarioConsumerLeader = failoverScenario{name: "consumer_leader", consumerLeader: true}
	scenarioBothLeader     = failoverScenario{name: "stream_and_consumer_leader", streamLeader: true, consumerLeader: true}
	scenarioListenerConn   = failoverScenario{name: "listener_connection", listenerConn: true}
)

// TestStreamLeaderKillResumes kills the server leading the stream, or
// the one leading the listener's consumer, while notifications flow
// (in-process cluster, Server.Shutdown: the leaderships are handed over):
// none is lost, and deliveries stall less than failoverStallBound (see
// failoverResult.bound).
func TestStreamLeaderKillResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 3-server cluster for several seconds")
	}
	for _, sc := range []failoverScenario{scenarioStreamLeader, scenarioConsumerLeader} {
		t.Run(sc.name, func(t *testing.T) {
			checkFailover(t, runFailover(t, startCluster(t, 3), sc))
		})
	}
}

// TestStreamLeaderSIGKILLResumes is TestStreamLeaderKillResumes on
// nats-server processes killed with SIGKILL: nothing is handed over, the
// other servers elect new leaders after their election timeout (4-9s),
// and deliveries should resume about then. It also kills a server leading
// both the stream and the consumer (where they start out).
func TestStreamLeaderSIGKILLResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 3-server cluster for several seconds per scenario")
	}
	for _, sc := range []failoverScenario{scenarioStreamLeader, scenarioConsumerLeader, scenarioBothLeader} {
		t.Run(sc.name, func(t *testing.T) {
			// One at a time: three clusters of three processes at once
			// on a small machine slow elections down for all of them.
			checkFailover(t, runFailover(t, startProcessCluster(t, 3), sc))
		})
	}
}

// TestConnectionServerKillResumes kills the server the listener's
// connection is attached to (leading neither the stream nor the
// consumer), in process (Shutdown) and as a process (SIGKILL): the
// connection moves to another server and deliveries go on, none lost. A
// delivery in flight through the killed server comes back after the
// lease.
func TestConnectionServerKillResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 3-server cluster for several seconds")
	}
	t.Run("shutdown", func(t *testing.T) {
		checkFailover(t, runFailover(t, startCluster(t, 3), scenarioListenerConn))
	})
	t.Run("sigkill", func(t *testing.T) {
		checkFailover(t, runFailover(t, startProcessCluster(t, 3), scenarioListenerConn))
	})
}

// checkFailover asserts what every scenario promises.
func checkFailover(t *testing.T, r failoverResult) {
	t.Helper()
	assert.Empty(t, r.lost, "every message sent (its publish acknowledged) is received at least once")
	assert.Less(t, r.stall, r.bound(), "longest gap between two deliveries around the kill (new leaders elected %.3fs after the kill)", r.elected.Seconds())
}

// failoverResult is what runFailover measured. Times "+d" are relative to
// the kill.
type failoverResult struct {
	sent, received int
	// lost are the IDs of messages whose Send succeeded but that were
	// never received.
	lost []string
	// stall is the longest gap between two consecutive deliveries that
	// ends after the kill, counted until the publisher stopped (the
	// redeliveries that come after that are not waited for); stallFrom is
	// when it began.
	stall, stallFrom time.Duration
	// resume is when the first message whose sending started after the
	// kill was received (-1 if none was).
	resume time.Duration
	// publishStall is the longest gap between two successful Sends that
	// ends after the kill.
	publishStall time.Duration
	// maxLatency is the longest time from a successful Send to the
	// message's first delivery.
	maxLatency time.Duration
	// failedSends counts failed Send attempts (each retried).
	failedSends int
	// redeliveries counts deliveries numbered 2 or more.
	redeliveries int
	// lateFirst counts messages whose first delivery to arrive was a
	// redelivery: the earlier one was lost in flight, and the message came
	// back after the lease.
	lateFirst int
	// elected is when the last of the killed server's leaderships (stream,
	// consumer) had a new leader, by the servers' logs; 0 when it led
	// neither (or no log line said so).
	elected time.Duration
}

// bound is the longest stall accepted: failoverStallBound, or the
// election time plus failoverElectionSlack when that is longer.
func (r failoverResult) bound() time.Duration {
	return max(failoverStallBound, r.elected+failoverElectionSlack)
}

// sendRecord is one message of the publisher.
type sendRecord struct {
	id        string
	firstTry  time.Time
	stored    time.Time // zero until a Send succeeded
	failures  []sendFailure
	delivered time.Time // first delivery
}

type sendFailure struct {
	at  time.Time
	err string
}

// deliveryRecord is one delivery.
type deliveryRecord struct {
	id string
	at time.Time
	n  int
}

// failoverLogger returns a logger at debug level that writes to t (when
// -v) and to the returned observer, which runFailover turns into a
// timeline. Nothing is written to t after its cleanup began.
func failoverLogger(t *testing.T) (*zap.Logger, *observer.ObservedLogs) {
	obs, logs := observer.New(zapcore.DebugLevel)
	cores := []zapcore.Core{obs}
	if testing.Verbose() {
		w := &cleanupSafeWriter{w: zaptest.NewTestingWriter(t)}
		t.Cleanup(w.close)
		enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
		cores = append(cores, zapcore.NewCore(enc, zapcore.AddSync(w), zapcore.DebugLevel))
	}
	return zap.New(zapcore.NewTee(cores...)), logs
}

// cleanupSafeWriter drops what is written after close: the transport's
// goroutines may log while the test ends, when t no longer accepts logs.
type cleanupSafeWriter struct {
	mu     sync.Mutex
	closed bool
	w      zaptest.TestingWriter
}

func (w *cleanupSafeWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return len(p), nil
	}
	return w.w.Write(p)
}

func (w *cleanupSafeWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// openClusterTransport opens a transport on url with nats.go's server
// list in url's order (no shuffling), so the test decides which server
// the connection attaches to first. It is closed at cleanup.
func openClusterTransport(t *testing.T, url string, log *zap.Logger) *hnats.Transport {
	t.Helper()
	u, err := transport.ParseURL(url)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), clusterWait)
	defer cancel()
	tr, err := hnats.Open(ctx, u, transport.Options{Logger: log}, hnats.WithNATSOptions(natsgo.DontRandomize()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// runFailover runs scenario sc on cluster c: it sets the leaders up as
// sc says, lets messages flow for failoverWarmup, kills the victim, goes
// on until deliveries have resumed (or failoverObserve has passed), waits
// for the rest, and returns what it measured, having logged it and a
// timeline of what the transports and the servers did.
func runFailover(t *testing.T, c jsCluster, sc failoverScenario) failoverResult {
	names := c.Names()
	require.Len(t, names, 3, "the scenarios need 3 servers")
	meta := c.WaitMetaLeader(t)
	victim, third := "", ""
	for _, n := range names {
		switch {
		case n == meta:
		case victim == "":
			victim = n
		default:
			third = n
		}
	}
	others := []string{third, meta}

	log, logs := failoverLogger(t)
	exchange := transporttest.UniqueName("failover")
	tg := target.Target{Exchange: exchange, Topic: "events"}
	lcfg := transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Lease: failoverLease}
	const query = "replicas=3"

	// The publisher makes the stream and the listener's consumer, so the
	// leaders can be placed before the listener starts.
	pub := openClusterTransport(t, c.URL(query, others...), log.Named("publisher"))
	ctx := testutil.Within(t, clusterWait)
	// A cluster just formed may not answer the JetStream API at once (no
	// placement for R3 until every server has reported): try again
	// within the bound.
	var l0 transport.Listener
	require.Eventually(t, func() bool {
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var err error
		l0, err = pub.Listen(lctx, lcfg)
		if err != nil {
			t.Logf("listen on the new cluster: %v; trying again", err)
		}
		return err == nil
	}, clusterWait, 100*time.Millisecond, "listen on the new cluster")
	require.NoError(t, l0.Close())
	stream := hnats.StreamName(exchange)
	adminNC, js := connectAdmin(t, c.URL("", others...))
	consumer := onlyConsumer(t, js, stream)

	wantStream, wantConsumer := third, third
	if sc.streamLeader {
		wantStream = victim
	}
	if sc.consumerLeader {
		wantConsumer = victim
	}
	moveLeader(t, adminNC, stream, "", wantStream, func() string { return c.StreamLeader(t, stream) })
	moveLeader(t, adminNC, stream, consumer, wantConsumer, func() string { return c.ConsumerLeader(t, stream, consumer) })

	first := others
	if sc.listenerConn {
		first = []string{victim}
	}
	lis := openClusterTransport(t, c.URL(query, first...), log.Named("listener"))
	l, err := lis.Listen(ctx, lcfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	require.Equal(t, first[0], lis.Conn().ConnectedServerName(), "the listener's server")
	require.Equal(t, others[0], pub.Conn().ConnectedServerName(), "the publisher's server")
	// Placement again: nothing should have moved.
	sl, cl := c.StreamLeader(t, stream), c.ConsumerLeader(t, stream, consumer)
	t.Logf("%s cluster; killing %s: meta leader %s, stream %s led by %s, consumer %s led by %s, listener on %s, publisher on %s",
		c.Kind(), victim, meta, stream, sl, consumer, cl, lis.Conn().ConnectedServerName(), pub.Conn().ConnectedServerName())
	require.Equal(t, wantStream, sl)
	require.Equal(t, wantConsumer, cl)

	var (
		mu         sync.Mutex
		sends      []*sendRecord
		byID       = map[string]*sendRecord{}
		deliveries []deliveryRecord
		ackErrs    int
	)
	received := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(deliveries)
	}

	// The listener acknowledges every delivery.
	recvCtx, stopRecv := context.WithCancel(t.Context())
	var recvWG sync.WaitGroup
	recvWG.Go(func() {
		for {
			d, err := l.Next(recvCtx)
			if err != nil {
				return
			}
			now := time.Now()
			id := d.Message().ID
			mu.Lock()
			deliveries = append(deliveries, deliveryRecord{id: id, at: now, n: d.Deliveries()})
			if r := byID[id]; r != nil && r.delivered.IsZero() {
				r.delivered = now
			}
			mu.Unlock()
			actx, cancel := context.WithTimeout(recvCtx, failoverSendTimeout)
			if err := d.Ack(actx); err != nil {
				mu.Lock()
				ackErrs++
				mu.Unlock()
			}
			cancel()
		}
	})
	defer func() {
		stopRecv()
		recvWG.Wait()
	}()

	// The publisher sends one message every failoverSendEvery, retrying
	// each until it is stored.
	tag := transporttest.UniqueName("fo")
	pubCtx, stopPub := context.WithCancel(t.Context())
	var pubWG sync.WaitGroup
	pubWG.Go(func() {
		tick := time.NewTicker(failoverSendEvery)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-tick.C:
			case <-pubCtx.Done():
				return
			}
			msg := transporttest.NewMessage(tag, i)
			r := &sendRecord{id: msg.ID, firstTry: time.Now()}
			mu.Lock()
			sends = append(sends, r)
			byID[r.id] = r
			mu.Unlock()
			for {
				sctx, cancel := context.WithTimeout(t.Context(), failoverSendTimeout)
				err := pub.Send(sctx, tg, transport.Info, msg)
				cancel()
				now := time.Now()
				mu.Lock()
				if err == nil {
					r.stored = now
				} else {
					r.failures = append(r.failures, sendFailure{at: now, err: err.Error()})
				}
				mu.Unlock()
				if err == nil {
					break
				}
				if transport.Sleep(pubCtx, 50*time.Millisecond) != nil {
					return // given up: a message never stored is not counted as sent
				}
			}
		}
	})
	stopPublisher := func() {
		stopPub()
		pubWG.Wait()
	}
	defer stopPublisher()

	// The consumer as its leader sees it (consumer info), sampled until
	// the end; a sample is kept when the leader, the number of pull
	// requests waiting or whether messages wait for them changes.
	var samples []clusterEvent
	sampleCtx, stopSampling := context.WithCancel(t.Context())
	var sampleWG sync.WaitGroup
	sampleWG.Go(func() {
		last := ""
		for sampleCtx.Err() == nil {
			qctx, cancel := context.WithTimeout(sampleCtx, time.Second)
			cons, err := js.Consumer(qctx, stream, consumer)
			cancel()
			var state, text string
			if err != nil {
				state = "info: " + err.Error()
				text = state
			} else {
				i := cons.CachedInfo()
				leader := ""
				if i.Cluster != nil {
					leader = i.Cluster.Leader
				}
				state = fmt.Sprintf("leader %s, pull requests waiting %d, unread %t", leader, i.NumWaiting, i.NumPending > 0)
				text = fmt.Sprintf("leader %s, pull requests waiting %d, unread %d, ack pending %d", leader, i.NumWaiting, i.NumPending, i.NumAckPending)
			}
			if state != last && sampleCtx.Err() == nil {
				mu.Lock()
				samples = append(samples, clusterEvent{At: time.Now(), Source: "consumer info", Level: "INF", Text: text})
				mu.Unlock()
				last = state
			}
			_ = transport.Sleep(sampleCtx, 100*time.Millisecond)
		}
	})
	defer func() {
		stopSampling()
		sampleWG.Wait()
	}()

	warmup := time.Now()
	require.Eventually(t, func() bool { return time.Since(warmup) >= failoverWarmup && received() >= 50 }, clusterWait, 10*time.Millisecond,
		"messages flow before the kill")

	killAt := time.Now()
	c.Kill(t, victim)
	t.Logf("killed %s in %s", victim, time.Since(killAt).Round(time.Millisecond))

	// Go on until a message sent after the kill has arrived, and a while
	// after that, or until failoverObserve has passed.
	resumedAt := time.Time{}
	for time.Since(killAt) < failoverObserve {
		mu.Lock()
		for _, d := range deliveries {
			if r := byID[d.id]; r != nil && r.firstTry.After(killAt) {
				resumedAt = d.at
				break
			}
		}
		mu.Unlock()
		if !resumedAt.IsZero() && time.Since(resumedAt) >= failoverAfterResume {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopPublisher()
	stoppedAt := time.Now()

	// Wait for every stored message.
	missing := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var ids []string
		for _, r := range sends {
			if !r.stored.IsZero() && r.delivered.IsZero() {
				ids = append(ids, r.id)
			}
		}
		return ids
	}
	for time.Since(stoppedAt) < failoverDrain && len(missing()) > 0 {
		time.Sleep(50 * time.Millisecond)
	}
	endAt := time.Now()
	stopSampling()
	sampleWG.Wait()
	stopRecv()
	recvWG.Wait()

	mu.Lock()
	defer mu.Unlock()
	r := measure(killAt, stoppedAt, sends, deliveries)
	for _, s := range sends {
		if !s.stored.IsZero() && s.delivered.IsZero() {
			r.lost = append(r.lost, s.id)
		}
	}
	rel := func(at time.Time) string { return fmt.Sprintf("%+.3fs", at.Sub(killAt).Seconds()) }
	t.Logf("%s/%s: sent %d, received %d deliveries (%d redeliveries; %d messages first received as a redelivery, after the lease), lost %d, failed send attempts %d, failed acks %d",
		c.Kind(), sc.name, r.sent, r.received, r.redeliveries, r.lateFirst, len(r.lost), r.failedSends, ackErrs)
	resume := "never"
	if r.resume >= 0 {
		resume = fmt.Sprintf("%+.3fs", r.resume.Seconds())
	}
	t.Logf("%s/%s: STALL %.3fs (longest delivery gap, from %+.3fs); first message sent after the kill received at %s; longest publish gap %.3fs; longest send-to-delivery latency %.3fs; publisher stopped at %s, end at %s",
		c.Kind(), sc.name, r.stall.Seconds(), r.stallFrom.Seconds(), resume, r.publishStall.Seconds(), r.maxLatency.Seconds(), rel(stoppedAt), rel(endAt))
	if len(r.lost) > 0 {
		t.Logf("lost: %v", head(r.lost, 20))
	}
	logTimeline(t, c.Kind()+"/"+sc.name, killAt, endAt, c, logs, samples, sends)
	var groups []string
	if sc.streamLeader {
		groups = append(groups, "new stream leader for '$G > "+stream+"'")
	}
	if sc.consumerLeader {
		groups = append(groups, "new consumer leader for '$G > "+stream+" > "+consumer+"'")
	}
	var unseen []string
	r.elected, unseen = electionTime(c.Events(), killAt, groups)
	if len(unseen) > 0 {
		t.Logf("no server logged %q: the stall bound counts no election time", unseen)
	}
	t.Logf("%s/%s: new leaders elected %.3fs after the kill; stall bound %.3fs", c.Kind(), sc.name, r.elected.Seconds(), r.bound().Seconds())
	return r
}

// electionTime is how long after killAt the last of the server log lines
// saying each of groups came (the first such line for each); 0 for no
// groups. missing lists the groups no line was found for.
func electionTime(events []clusterEvent, killAt time.Time, groups []string) (last time.Duration, missing []string) {
	for _, g := range groups {
		i := slices.IndexFunc(events, func(e clusterEvent) bool { return e.At.After(killAt) && strings.Contains(e.Text, g) })
		if i < 0 {
			missing = append(missing, g)
			continue
		}
		last = max(last, events[i].At.Sub(killAt))
	}
	return last, missing
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func head(s []string, n int) []string {
	if len(s) > n {
		return append(slices.Clone(s[:n]), fmt.Sprintf("... (%d more)", len(s)-n))
	}
	return s
}

// measure computes the figures of failoverResult from what was sent and
// received (deliveries in arrival order); the publisher stopped at
// stoppedAt.
func measure(killAt, stoppedAt time.Time, sends []*sendRecord, deliveries []deliveryRecord) failoverResult {
	r := failoverResult{received: len(deliveries), resume: -1}
	var stored []time.Time
	for _, s := range sends {
		r.failedSends += len(s.failures)
		if s.stored.IsZero() {
			continue
		}
		r.sent++
		stored = append(stored, s.stored)
		if !s.delivered.IsZero() {
			r.maxLatency = max(r.maxLatency, s.delivered.Sub(s.stored))
		}
	}
	seen := map[string]bool{}
	for i, d := range deliveries {
		if d.n > 1 {
			r.redeliveries++
			if !seen[d.id] {
				r.lateFirst++
			}
		}
		seen[d.id] = true
		if i == 0 || !d.at.After(killAt) {
			continue
		}
		prev := deliveries[i-1].at
		if prev.Before(stoppedAt) {
			if gap := minTime(d.at, stoppedAt).Sub(prev); gap > r.stall {
				r.stall, r.stallFrom = gap, prev.Sub(killAt)
			}
		}
	}
	if n := len(deliveries); n > 0 && deliveries[n-1].at.Before(stoppedAt) {
		// Nothing came after the last delivery until the publisher stopped.
		if gap := stoppedAt.Sub(deliveries[n-1].at); gap > r.stall && stoppedAt.Sub(killAt) > 0 {
			r.stall, r.stallFrom = gap, deliveries[n-1].at.Sub(killAt)
		}
	}
	for _, s := range sends {
		if s.firstTry.After(killAt) && !s.delivered.IsZero() {
			if d := s.delivered.Sub(killAt); r.resume < 0 || d < r.resume {
				r.resume = d
			}
		}
	}
	sort.Slice(stored, func(i, j int) bool { return stored[i].Before(stored[j]) })
	for i := 1; i < len(stored); i++ {
		if stored[i].After(killAt) {
			r.publishStall = max(r.publishStall, stored[i].Sub(stored[i-1]))
		}
	}
	return r
}

// logTimeline logs, relative to the kill, from a second before it to
// end: the transports' log lines, the servers' lines about leaders and
// their warnings, the consumer's state as its leader reported it, and
// the publisher's failed sends, with runs of the same line folded.
func logTimeline(t *testing.T, title string, killAt, end time.Time, c jsCluster, logs *observer.ObservedLogs, samples []clusterEvent, sends []*sendRecord) {
	from := killAt.Add(-time.Second)
	var evs []clusterEvent
	for _, e := range logs.All() {
		fields := e.ContextMap()
		delete(fields, "failures")
		evs = append(evs, clusterEvent{At: e.Time, Source: e.LoggerName, Level: e.Level.CapitalString(), Text: e.Message + " " + fmtFields(fields)})
	}
	for _, e := range c.Events() {
		txt := strings.ToLower(e.Text)
		if strings.Contains(txt, "route") {
			continue // reconnect attempts to the killed server
		}
		if e.Level != "INF" || strings.Contains(txt, "leader") || strings.Contains(txt, "shutdown") || strings.Contains(txt, "quorum") {
			evs = append(evs, clusterEvent{At: e.At, Source: "server " + e.Source, Level: e.Level, Text: e.Text})
		}
	}
	evs = append(evs, samples...)
	for _, s := range sends {
		for _, f := range s.failures {
			evs = append(evs, clusterEvent{At: f.at, Source: "publisher send", Level: "ERR", Text: f.err})
		}
	}
	slices.SortStableFunc(evs, func(a, b clusterEvent) int { return a.At.Compare(b.At) })

	var b strings.Builder
	fmt.Fprintf(&b, "timeline of %s (seconds from the kill):\n", title)
	lines := 0
	for i := 0; i < len(evs); {
		e := evs[i]
		j := i + 1
		for j < len(evs) && evs[j].Source == e.Source && evs[j].Text == e.Text {
			j++
		}
		if !e.At.Before(from) && !e.At.After(end) {
			if lines++; lines > 400 {
				b.WriteString("  ... (cut)\n")
				break
			}
			fmt.Fprintf(&b, "  %+8.3f  %-18s %s %s", e.At.Sub(killAt).Seconds(), e.Source, e.Level, e.Text)
			if j-i > 1 {
				fmt.Fprintf(&b, "  (x%d until %+.3f)", j-i, evs[j-1].At.Sub(killAt).Seconds())
			}
			b.WriteString("\n")
		}
		i = j
	}
	t.Log(b.String())
}

func fmtFields(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}
