package nats_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/transport"
)

// TestPullStatusesOnLeaderKill records what nats-server answers a plain
// pull consumer, and the consumer API, while the consumer's leader is
// killed: the status messages pull requests get (100 heartbeats, 404,
// 408, 409 and its descriptions, 503 no responders), requests that go
// silent, and how long CONSUMER.INFO and CONSUMER.CREATE (the same
// configuration again, as a listener that recreates its consumer sends)
// take to answer, and what (a call still unanswered when messages have
// flowed again for 2s is reported as unanswered). It is the raw material for the transport's
// failover handling; it asserts only that messages flow again.
//
// The puller asks as hark's listener does (batch, expiry and idle
// heartbeat, a request ended by a status or by two missed heartbeats
// followed at once by the next), with a shorter expiry.
func TestPullStatusesOnLeaderKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 3-server cluster for several seconds")
	}
	t.Run("shutdown", func(t *testing.T) { probePullStatuses(t, startCluster(t, 3)) })
	t.Run("sigkill", func(t *testing.T) { probePullStatuses(t, startProcessCluster(t, 3)) })
}

// probeEvent is one observation of probePullStatuses.
type probeEvent struct {
	at   time.Time
	src  string
	text string
}

func probePullStatuses(t *testing.T, c jsCluster) {
	names := c.Names()
	meta := c.WaitMetaLeader(t)
	var victim, third string
	for _, n := range names {
		switch {
		case n == meta:
		case victim == "":
			victim = n
		default:
			third = n
		}
	}
	nc, js := connectAdmin(t, c.URL("", third, meta))
	ctx := testutil.Within(t, clusterWait)
	const stream, consumer = "PROBE", "c"
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{"probe.>"}, Replicas: 3, Retention: jetstream.InterestPolicy})
	require.NoError(t, err)
	ccfg := jetstream.ConsumerConfig{
		Durable: consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: 5 * time.Second,
		DeliverPolicy: jetstream.DeliverNewPolicy, MaxDeliver: -1, MaxAckPending: 1000, FilterSubject: "probe.x",
	}
	_, err = js.CreateConsumer(ctx, stream, ccfg)
	require.NoError(t, err)
	moveLeader(t, nc, stream, "", third, func() string { return c.StreamLeader(t, stream) })
	moveLeader(t, nc, stream, consumer, victim, func() string { return c.ConsumerLeader(t, stream, consumer) })
	t.Logf("%s cluster; killing %s, the consumer's leader; stream led by %s, meta leader %s, client on %s",
		c.Kind(), victim, third, meta, nc.ConnectedServerName())

	var (
		mu        sync.Mutex
		events    []probeEvent
		published = map[string]time.Time{}
		received  = map[string]time.Time{}
	)
	recordAt := func(at time.Time, src, format string, args ...any) {
		mu.Lock()
		events = append(events, probeEvent{at: at, src: src, text: fmt.Sprintf(format, args...)})
		mu.Unlock()
	}
	record := func(src, format string, args ...any) { recordAt(time.Now(), src, format, args...) }
	runCtx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() {
		stop()
		wg.Wait()
	}()

	// Publisher: one message every 20ms (the stream's leader survives).
	wg.Go(func() {
		for i := 0; runCtx.Err() == nil; i++ {
			id := fmt.Sprintf("m%d", i)
			start := time.Now()
			pctx, cancel := context.WithTimeout(runCtx, 2*time.Second)
			_, err := js.Publish(pctx, "probe.x", []byte(id))
			cancel()
			if err == nil {
				mu.Lock()
				published[id] = start
				mu.Unlock()
			}
			_ = transport.Sleep(runCtx, 20*time.Millisecond)
		}
	})

	// Puller.
	wg.Go(func() {
		subject := "$JS.API.CONSUMER.MSG.NEXT." + stream + "." + consumer
		body, _ := json.Marshal(pullRequestBody{Batch: 16, Expires: 5 * time.Second, Heartbeat: time.Second})
		for runCtx.Err() == nil {
			ch := make(chan *natsgo.Msg, 64)
			inbox := nc.NewInbox()
			sub, err := nc.ChanSubscribe(inbox, ch)
			if err != nil {
				record("pull", "subscribe: %v", err)
				time.Sleep(100 * time.Millisecond)
				continue
			}
			if err := nc.PublishRequest(subject, inbox, body); err != nil {
				record("pull", "request: %v", err)
			}
			got, outcome := 0, ""
			for outcome == "" {
				select {
				case m := <-ch:
					if strings.HasPrefix(m.Reply, "$JS.ACK.") {
						got++
						mu.Lock()
						if _, ok := received[string(m.Data)]; !ok {
							received[string(m.Data)] = time.Now()
						}
						mu.Unlock()
						_ = m.Ack()
						if got == 16 {
							outcome = "complete"
						}
						continue
					}
					code, desc := m.Header.Get("Status"), m.Header.Get("Description")
					if code == "100" {
						record("pull status", "100 heartbeat")
						continue
					}
					outcome = strings.TrimSpace(code + " " + desc)
				case <-time.After(2 * time.Second):
					outcome = "silent for 2 heartbeats (no status, no message)"
				case <-runCtx.Done():
					outcome = "stopped"
				}
			}
			_ = sub.Unsubscribe()
			if outcome != "complete" && outcome != "stopped" {
				record("pull status", "request ended: %s (after %d messages)", outcome, got)
			}
			if got == 0 && outcome != "stopped" {
				// Not a busy loop on an instant error.
				_ = transport.Sleep(runCtx, 100*time.Millisecond)
			}
		}
	})

	// The consumer API, every 500ms; a call still unanswered when the
	// probe ends (2s after messages flowed again) is cut short.
	wg.Go(func() {
		for runCtx.Err() == nil {
			wg.Go(func() {
				start := time.Now()
				cctx, cancel := context.WithTimeout(runCtx, clusterWait)
				defer cancel()
				_, err := js.Consumer(cctx, stream, consumer)
				recordAt(start, "api", "CONSUMER.INFO: %s", describeAPI(start, err))
			})
			wg.Go(func() {
				start := time.Now()
				cctx, cancel := context.WithTimeout(runCtx, clusterWait)
				defer cancel()
				_, err := js.CreateOrUpdateConsumer(cctx, stream, ccfg)
				recordAt(start, "api", "CONSUMER.CREATE: %s", describeAPI(start, err))
			})
			_ = transport.Sleep(runCtx, 500*time.Millisecond)
		}
	})

	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(received) >= 20 }, clusterWait, 10*time.Millisecond)
	killAt := time.Now()
	c.Kill(t, victim)
	record("test", "killed %s", victim)

	// Until a message published after the kill has arrived, and 2s more.
	resumed := time.Time{}
	for time.Since(killAt) < clusterWait && (resumed.IsZero() || time.Since(resumed) < 2*time.Second) {
		mu.Lock()
		for id, at := range received {
			if p, ok := published[id]; ok && p.After(killAt) && (resumed.IsZero() || at.Before(resumed)) {
				resumed = at
			}
		}
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()

	slices.SortStableFunc(events, func(a, b probeEvent) int { return a.at.Compare(b.at) })
	var b strings.Builder
	fmt.Fprintf(&b, "%s: what a pull consumer and the consumer API got (seconds from the kill):\n", c.Kind())
	for i := 0; i < len(events); {
		e := events[i]
		j := i + 1
		for j < len(events) && events[j].src == e.src && events[j].text == e.text {
			j++
		}
		if !e.at.Before(killAt.Add(-time.Second)) {
			fmt.Fprintf(&b, "  %+8.3f  %-12s %s", e.at.Sub(killAt).Seconds(), e.src, e.text)
			if j-i > 1 {
				fmt.Fprintf(&b, "  (x%d until %+.3f)", j-i, events[j-1].at.Sub(killAt).Seconds())
			}
			b.WriteString("\n")
		}
		i = j
	}
	t.Log(b.String())
	if assert.False(t, resumed.IsZero(), "a message published after the kill arrives") {
		t.Logf("%s: first message published after the kill received at %+.3fs", c.Kind(), resumed.Sub(killAt).Seconds())
	}
}

// pullRequestBody is the JSON body of $JS.API.CONSUMER.MSG.NEXT.
type pullRequestBody struct {
	Batch     int           `json:"batch"`
	Expires   time.Duration `json:"expires,omitempty"`
	Heartbeat time.Duration `json:"idle_heartbeat,omitempty"`
}

// describeAPI says how a JetStream API call that started at start ended.
func describeAPI(start time.Time, err error) string {
	took := time.Since(start).Seconds()
	switch {
	case err == nil:
		return fmt.Sprintf("ok in %.3fs", took)
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("no answer in %.3fs (when the probe ended)", took)
	}
	return fmt.Sprintf("%v after %.3fs", err, took)
}
