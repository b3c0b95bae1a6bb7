package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/harkmq/hark/internal/backoff"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// jsConsumer is one consumer of a listener (its group's consumer for one
// shape) and the pull protocol on it.
//
// It speaks the pull protocol itself (ADR-13) rather than through nats.go's
// Consume, because the listener's budget counts deliveries until they are
// settled, not only until they are handed over, and because a listener
// must stop at once without losing what is in flight. All of the
// consumer's pull requests share one inbox subscription, whose callback
// takes each message straight into the listener's buffer; requests are
// sent by whichever goroutine frees budget (a settle, a status, a timer),
// so no goroutine of the transport's own sits between the connection and
// the handlers.
//
// The budget is tracked per consumer as outstanding: messages asked for
// and neither received nor reported unfilled by a status. Statuses are
// handled as nats-server 2.10+ sends them:
//   - 100 idle heartbeat: the requests are alive;
//   - 408 request timeout / interest expired, 409 batch completed or
//     message size exceeds max bytes: a request ended, with
//     Nats-Pending-Messages left unfilled;
//   - 409 leadership change: the consumer's leader moved and every
//     request is gone: ask the new leader at once;
//   - 409 consumer deleted: make the consumer again;
//   - 503 no responders: no leader (an election) or no consumer: retry
//     with backoff, and once the failures persist ask the JetStream API,
//     making the consumer again only when it answers that the consumer
//     does not exist; an election is waited out, never mistaken for a
//     deletion.
//
// Requests silently lost (a server that restarted, a connection that
// dropped) are noticed by the watchdog (no message or heartbeat for two
// heartbeat intervals) or at once by a reconnect, and renewed.
type jsConsumer struct {
	l      *jsListener
	shape  shape
	stream string
	name   string
	// lease is the consumer's AckWait as the server has it.
	lease      time.Duration
	reqSubject string
	inbox      string
	sub        *natsgo.Subscription
	subClosed  chan struct{}
	handle     atomic.Pointer[jetstream.Consumer]

	// Guarded by the listener's mutex.
	outstanding  int
	lastActivity time.Time
	failures     int
	paused       bool // waiting out a backoff before the next request
	verifying    bool // an API check of the consumer is under way
	leases       leaseList
	live         map[uint64]*jsDelivery
	// lastSeq is the highest stream sequence received.
	lastSeq    uint64
	leaseTimer *time.Timer
	leaseArmed bool
	leaseAt    time.Time
	watchdog   *time.Timer
	retryTimer *time.Timer
	// stopped: intake ended; no more requests or timers.
	stopped bool
}

// Pull requests. A long poll stays open for pullExpiry, with an idle
// heartbeat every pullHeartbeat, so a request lost with a restarted server
// is noticed after two missed heartbeats.
const (
	pullExpiry    = 30 * time.Second
	pullHeartbeat = 2 * time.Second
	// rotateExpiry is the expiry of requests while the budget is smaller
	// than the number of consumers: short, so the budget moves on to the
	// other consumers.
	rotateExpiry = 500 * time.Millisecond
	// drainTimeout bounds the wait for a stopped consumer's subscription
	// to drain.
	drainTimeout = 5 * time.Second
	// statusRoom is the room for status messages and stragglers in the
	// listener's buffer.
	statusRoom = 64
	// verifyAfter is how many failed requests in a row lead to asking the
	// JetStream API whether the consumer still exists; verifyTimeout
	// bounds that question.
	verifyAfter   = 4
	verifyTimeout = 3 * time.Second
)

func newJSConsumer(l *jsListener, s shape, stream string, cons jetstream.Consumer) *jsConsumer {
	info := cons.CachedInfo()
	c := &jsConsumer{
		l:      l,
		shape:  s,
		stream: stream,
		name:   info.Name,
		lease:  l.cfg.Lease,
		live:   map[uint64]*jsDelivery{},
	}
	if info.Config.AckWait > 0 {
		c.lease = info.Config.AckWait
	}
	c.handle.Store(&cons)
	c.reqSubject = jetstream.DefaultAPIPrefix + "CONSUMER.MSG.NEXT." + stream + "." + c.name
	return c
}

func (c *jsConsumer) consumer() jetstream.Consumer { return *c.handle.Load() }

// subscribe opens the consumer's inbox subscription.
func (c *jsConsumer) subscribe() error {
	nc := c.l.t.nc
	c.inbox = nc.NewInbox()
	c.subClosed = make(chan struct{})
	sub, err := nc.Subscribe(c.inbox, c.onMsg)
	if err != nil {
		return fmt.Errorf("subscribe to the inbox of consumer %s: %w", c.name, err)
	}
	// The listener's budget bounds what arrives; nats.go's limits must not
	// drop any of it.
	_ = sub.SetPendingLimits(-1, -1)
	sub.SetClosedHandler(func(string) { close(c.subClosed) })
	c.sub = sub
	return nil
}

func (c *jsConsumer) unsubscribe() {
	if c.sub != nil {
		_ = c.sub.Unsubscribe()
	}
}

// onMsg runs on the subscription's goroutine for every message on the
// inbox: deliveries and statuses.
func (c *jsConsumer) onMsg(m *natsgo.Msg) {
	if strings.HasPrefix(m.Reply, "$JS.ACK.") {
		c.l.receive(c, m)
		return
	}
	c.status(m)
}

// gotLocked accounts for n messages received.
func (c *jsConsumer) gotLocked(n int, now time.Time) {
	c.outstanding = max(0, c.outstanding-n)
	c.lastActivity = now
	c.failures = 0
}

// status handles a status message of the consumer's requests.
func (c *jsConsumer) status(m *natsgo.Msg) {
	l := c.l
	code := m.Header.Get("Status")
	desc := m.Header.Get("Description")
	now := time.Now()
	l.mu.Lock()
	c.lastActivity = now
	switch {
	case code == "100":
		l.mu.Unlock()
		return
	case m.Header.Get("Nats-Pending-Messages") != "" && (code == "408" || code == "409"):
		// A request ended with this many unfilled.
		n, _ := strconv.Atoi(m.Header.Get("Nats-Pending-Messages"))
		c.outstanding = max(0, c.outstanding-n)
		c.failures = 0
	case code == "409" && strings.Contains(strings.ToLower(desc), "leadership change"):
		// Every open request went with the old leader; the next goes to
		// the new one.
		c.outstanding = 0
		l.t.log.Info("nats: the consumer's leader changed; asking the new leader",
			zap.String("stream", c.stream), zap.String("consumer", c.name))
	case code == "409" && strings.Contains(strings.ToLower(desc), "consumer deleted"):
		c.outstanding = 0
		c.failLocked(jetstream.ErrConsumerDeleted)
	case code == "503":
		c.outstanding = 0
		c.failLocked(jetstream.ErrNoStreamResponse)
	default:
		c.outstanding = 0
		c.failLocked(fmt.Errorf("nats: pull request ended with status %s %s", code, desc))
	}
	reqs := l.planLocked()
	l.mu.Unlock()
	l.send(reqs)
}

// failLocked counts a failed request and pauses requests for a backoff
// (100ms doubling to 2s); persistent failures, or a deleted consumer,
// lead to asking the JetStream API about the consumer.
func (c *jsConsumer) failLocked(err error) {
	l := c.l
	c.failures++
	if c.stopped {
		return
	}
	log := l.t.log.With(zap.String("stream", c.stream), zap.String("consumer", c.name), zap.Int("failures", c.failures), zap.Error(err))
	if c.failures == 1 || c.failures%20 == 0 {
		log.Warn("nats: pull request failed; retrying")
	} else {
		log.Debug("nats: pull request failed; retrying")
	}
	if (c.failures >= verifyAfter || errors.Is(err, jetstream.ErrConsumerDeleted)) && !c.verifying {
		c.verifying = true
		go c.verify()
	}
	c.paused = true
	wait := jittered(100*time.Millisecond, 2*time.Second).Delay(c.failures)
	if c.retryTimer == nil {
		c.retryTimer = time.AfterFunc(wait, c.resume)
	} else {
		c.retryTimer.Reset(wait)
	}
}

// resume ends a backoff pause.
func (c *jsConsumer) resume() {
	l := c.l
	l.mu.Lock()
	c.paused = false
	reqs := l.planLocked()
	l.mu.Unlock()
	l.send(reqs)
}

// verify asks the JetStream API whether the consumer exists, and makes it
// again when the API answers that it does not (an operator deleted it, or
// a server lost its store). Any other answer, a timeout above all (no
// leader yet), leaves the requests to their retries.
func (c *jsConsumer) verify() {
	l := c.l
	defer func() {
		l.mu.Lock()
		c.verifying = false
		l.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	defer cancel()
	_, err := l.t.js.Consumer(ctx, c.stream, c.name)
	if err == nil || !consumerIsGone(err) {
		return
	}
	log := l.t.log.With(zap.String("stream", c.stream), zap.String("consumer", c.name))
	log.Warn("nats: the consumer is gone; making it again")
	l.t.streams.reset()
	cctx, ccancel := context.WithTimeout(context.Background(), verifyTimeout)
	defer ccancel()
	_, cons, err := l.t.ensureConsumer(cctx, l.cfg, c.shape, c.resumeAt())
	if err != nil {
		log.Warn("nats: cannot make the consumer again; retrying", zap.NamedError("cause", err))
		return
	}
	c.handle.Store(&cons)
	log.Info("nats: consumer made again")
	l.mu.Lock()
	c.failures, c.paused = 0, false
	if c.retryTimer != nil {
		c.retryTimer.Stop()
	}
	reqs := l.planLocked()
	l.mu.Unlock()
	l.send(reqs)
}

// resumeAt is where a consumer made again for this listener starts: the
// earliest message it still holds, or the one after the last it received;
// 0 when it received nothing (the group's start applies).
func (c *jsConsumer) resumeAt() uint64 {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	if c.lastSeq == 0 {
		return 0
	}
	at := c.lastSeq + 1
	for seq := range c.live {
		at = min(at, seq)
	}
	return at
}

// reset forgets the consumer's open requests (the connection
// reconnected, or the watchdog found them silent) so new ones are sent.
func (c *jsConsumer) resetLocked(why string) {
	if c.outstanding > 0 {
		c.l.t.log.Debug("nats: renewing pull requests", zap.String("consumer", c.name), zap.String("why", why), zap.Int("outstanding", c.outstanding))
	}
	c.outstanding = 0
	c.lastActivity = time.Now()
}

// startWatchdogLocked starts the timer that notices silent requests.
func (c *jsConsumer) startWatchdogLocked() {
	c.lastActivity = time.Now()
	c.watchdog = time.AfterFunc(pullHeartbeat, c.watch)
}

// watch runs every heartbeat interval: requests open but silent for two
// intervals are taken for lost and renewed; and a consumer with budget
// but no request (a state nothing else would end) gets one.
func (c *jsConsumer) watch() {
	l := c.l
	l.mu.Lock()
	if c.stopped {
		l.mu.Unlock()
		return
	}
	if c.outstanding > 0 && time.Since(c.lastActivity) > 2*pullHeartbeat+pullHeartbeat/2 {
		c.resetLocked("no heartbeat")
	}
	reqs := l.planLocked()
	c.watchdog.Reset(pullHeartbeat)
	l.mu.Unlock()
	l.send(reqs)
}

// stopTimersLocked ends the consumer's requests and timers at Stop (the
// lease timer stays until Close: handed-out deliveries keep their
// leases).
func (c *jsConsumer) stopTimersLocked() {
	c.stopped = true
	if c.watchdog != nil {
		c.watchdog.Stop()
	}
	if c.retryTimer != nil {
		c.retryTimer.Stop()
	}
}

// drain ends the consumer's open requests at Stop: it drains the inbox
// subscription (unsubscribe, then a round trip to the server, after which
// every message the server sent for a request has arrived; receive gives
// those back) and waits for it to close. The server drops the requests:
// their reply subject has no interest any more.
func (c *jsConsumer) drain() {
	if c.sub == nil {
		return
	}
	if err := c.sub.Drain(); err != nil {
		_ = c.sub.Unsubscribe()
		return
	}
	if !backoff.Await(c.subClosed, drainTimeout) {
		_ = c.sub.Unsubscribe()
		c.l.t.log.Warn("nats: a stopped listener's inbox did not drain in time; what it held comes back after the lease",
			zap.String("consumer", c.name), zap.Duration("timeout", drainTimeout))
	}
}

// forgetSeqLocked ends the lease of an earlier delivery of the same
// message: the server redelivered it, so it had expired there.
func (c *jsConsumer) forgetSeqLocked(seq uint64) {
	if old := c.live[seq]; old != nil && old.state == driverkit.Active {
		c.l.expireLocked(old)
	}
}

// pullPlan is one request to send.
type pullPlan struct {
	c       *jsConsumer
	batch   int
	expires time.Duration
}

// planLocked spends the listener's free budget on requests: a consumer
// without an open request gets one (a long poll), and while the listener
// is busy a consumer gets another once a worthwhile part of the budget is
// free. With several consumers, one that is idle holds a single slot in
// its long poll and the others share the rest; with fewer slots than
// consumers, requests are short so the slots go round.
func (l *jsListener) planLocked() []pullPlan {
	if l.stopped {
		return nil
	}
	free := l.prefetch - l.held
	for _, c := range l.cons {
		free -= c.outstanding
	}
	if free <= 0 {
		return nil
	}
	if len(l.cons) == 1 {
		c := l.cons[0]
		if c.paused || (c.outstanding > 0 && free < l.topUp) {
			return nil
		}
		c.outstanding += min(free, maxRequestBatch)
		return []pullPlan{{c: c, batch: min(free, maxRequestBatch), expires: pullExpiry}}
	}
	var plans []pullPlan
	expires := pullExpiry
	if l.prefetch < len(l.cons) {
		expires = rotateExpiry
	}
	// First, a long poll of one slot for every consumer without a request.
	for _, c := range l.cons {
		if free == 0 {
			break
		}
		if !c.paused && c.outstanding == 0 {
			c.outstanding = 1
			free--
			plans = append(plans, pullPlan{c: c, batch: 1, expires: expires})
		}
	}
	// Then the rest, to the consumers that had messages most recently.
	if free >= l.topUp {
		var busiest *jsConsumer
		for _, c := range l.cons {
			if !c.paused && (busiest == nil || c.lastActivity.After(busiest.lastActivity)) {
				busiest = c
			}
		}
		if busiest != nil {
			n := min(free, maxRequestBatch)
			busiest.outstanding += n
			plans = append(plans, pullPlan{c: busiest, batch: n, expires: expires})
		}
	}
	return plans
}

// send publishes planned requests (outside the listener's mutex). A
// request that cannot be published gives its budget back and pauses the
// consumer for a backoff.
func (l *jsListener) send(plans []pullPlan) {
	for _, p := range plans {
		if err := p.c.request(p.batch, p.expires); err != nil {
			l.mu.Lock()
			p.c.outstanding = max(0, p.c.outstanding-p.batch)
			p.c.failLocked(err)
			l.mu.Unlock()
		}
	}
}

// requestBuf recycles the JSON bodies of pull requests.
var requestBuf = sync.Pool{New: func() any { b := make([]byte, 0, 96); return &b }}

// request publishes one pull request for batch messages.
func (c *jsConsumer) request(batch int, expires time.Duration) error {
	bp := requestBuf.Get().(*[]byte)
	b := append((*bp)[:0], `{"batch":`...)
	b = strconv.AppendInt(b, int64(batch), 10)
	b = append(b, `,"expires":`...)
	b = strconv.AppendInt(b, int64(expires), 10)
	if expires > 2*pullHeartbeat {
		b = append(b, `,"idle_heartbeat":`...)
		b = strconv.AppendInt(b, int64(pullHeartbeat), 10)
	}
	b = append(b, '}')
	err := c.l.t.nc.PublishRequest(c.reqSubject, c.inbox, b)
	*bp = b
	requestBuf.Put(bp)
	return err
}

// reconnected renews the requests of every consumer: a restarted server
// forgot them; one that only lost the connection may still serve them,
// which is why the budget may briefly be exceeded.
func (l *jsListener) reconnected() {
	l.mu.Lock()
	for _, c := range l.cons {
		c.resetLocked("reconnected")
	}
	reqs := l.planLocked()
	l.mu.Unlock()
	l.send(reqs)
}

// deadLetterExpired dead-letters a message whose last allowed delivery's
// lease ran out (it arrives as delivery MaxDeliveries+1 and is never
// handed out). If the record cannot be written, the message is requeued
// after a delay and tried again, never dropped.
func (c *jsConsumer) deadLetterExpired(m *natsgo.Msg, meta *natsgo.MsgMetadata) {
	l := c.l
	limit := l.cfg.MaxDeliveries
	id, hdr, _ := decodeHeader(m.Header, m.Subject)
	orig := transport.Message{ID: id, Body: m.Data, Header: hdr}
	src := transport.Source{Target: target.Target{Exchange: c.shape.exchange}, Pool: l.cfg.Pool}
	if topic, p, ok := parseSubject(c.shape.exchange, m.Subject); ok {
		src.Target.Topic, src.Priority = topic, p
	}
	info := transport.DeadLetterInfo{
		Reason:    transport.ReasonMaxDeliveries,
		LastError: fmt.Sprintf("lease of %s expired on delivery %d of at most %d", c.lease, limit, limit),
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.t.cfg.publishTimeout)
	defer cancel()
	err := l.t.publishDeadLetter(ctx, l.cfg.DeadLetterTarget(src.Target), src, orig, limit, info, dedupID(meta.Stream, meta.Consumer, meta.Sequence.Stream))
	if err != nil {
		l.t.log.Error("nats: cannot dead-letter a message past its max deliveries; it will be retried",
			zap.String("message_id", id), zap.Uint64("stream_seq", meta.Sequence.Stream), zap.Error(err))
		_ = m.NakWithDelay(jittered(time.Second, 30*time.Second).Delay(int(meta.NumDelivered) - limit))
		return
	}
	if err := m.Term(); err != nil {
		// The record is written; a redelivery writes it again under the
		// same de-duplication ID, which the stream drops.
		l.t.log.Warn("nats: cannot terminate a dead-lettered message", zap.String("message_id", id), zap.Error(err))
	}
}

// dedupID is the Nats-Msg-Id of a dead-letter record: one per
// (stream, consumer, stream sequence).
func dedupID(stream, consumer string, seq uint64) string {
	return fmt.Sprintf("hark-dlq:%s:%s:%d", stream, consumer, seq)
}
