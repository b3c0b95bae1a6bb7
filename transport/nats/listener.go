package nats

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// jsListener is a JetStream listener: one durable pull consumer per
// exchange it reads (its group's consumer for its shape there; usually
// exactly one), each pulled through one inbox subscription, and one
// prefetch budget shared by them. Messages are requested only for free
// budget, so the listener never holds more than Prefetch deliveries,
// buffered and handed out together; an idle listener holds one long-poll
// request per consumer, whatever the number of topics and priorities.
type jsListener struct {
	t        *Transport
	cfg      transport.ListenConfig
	cons     []*jsConsumer
	prefetch int
	// topUp is the least budget worth a second request to a consumer that
	// has one open: fewer, larger requests while the listener is busy.
	topUp int

	// ready holds deliveries received and not yet handed out, in arrival
	// order, and hands them to Next.
	ready *driverkit.Handoff[jsDelivery]
	// done is closed when Stop starts, waking a blocked Next; stopDone
	// when it has finished.
	done     chan struct{}
	stopDone chan struct{}
	stopCtx  func() bool

	// mu guards the fields below, the consumers' pull and lease state, and
	// the state of every delivery of this listener.
	mu      sync.Mutex
	stopped bool
	closed  bool
	// held counts active deliveries, buffered or handed out.
	held int
}

var (
	_ transport.Listener        = (*jsListener)(nil)
	_ transport.BacklogReporter = (*jsListener)(nil)
)

// maxRequestBatch caps one pull request.
const maxRequestBatch = 1024

func (t *Transport) listenJetStream(ctx context.Context, cfg transport.ListenConfig) (*jsListener, error) {
	if cfg.Transient && cfg.Pool == "" {
		return nil, fmt.Errorf("nats: listen: %w: only a pool can be transient", transport.ErrInvalidConfig)
	}
	l := &jsListener{
		t:        t,
		cfg:      cfg,
		prefetch: cfg.Prefetch,
		topUp:    max(1, cfg.Prefetch/4),
		ready:    driverkit.NewHandoff[jsDelivery](2*cfg.Prefetch + statusRoom),
		done:     make(chan struct{}),
		stopDone: make(chan struct{}),
	}
	if mp := t.cfg.maxAckPending; mp > 0 && cfg.Prefetch > mp {
		t.log.Warn("nats: the listener's prefetch exceeds its consumer's max_ack_pending, which caps the whole group: raise max_ack_pending",
			zap.Int("prefetch", cfg.Prefetch), zap.Int("max_ack_pending", mp))
	}
	var missing error // a passive listener's shape with nothing to read
	for _, s := range shapes(cfg) {
		stream, cons, err := t.ensureConsumer(ctx, cfg, s, 0)
		if cfg.Passive && errors.Is(err, transport.ErrNotFound) {
			missing = err
			continue
		}
		if err != nil {
			l.abandon()
			return nil, fmt.Errorf("nats: listen: %w", err)
		}
		c := newJSConsumer(l, s, stream, cons)
		if err := c.subscribe(); err != nil {
			l.abandon()
			return nil, fmt.Errorf("nats: listen: %w", err)
		}
		l.cons = append(l.cons, c)
	}
	if len(l.cons) == 0 && missing != nil {
		l.abandon()
		return nil, fmt.Errorf("nats: listen: %w", missing)
	}
	l.mu.Lock()
	for _, c := range l.cons {
		c.startWatchdogLocked()
	}
	reqs := l.planLocked()
	l.mu.Unlock()
	l.send(reqs)
	l.stopCtx = context.AfterFunc(ctx, func() { _ = l.Stop() })
	t.log.Debug("nats: listening", zap.String("pool", cfg.Pool), zap.Int("consumers", len(l.cons)),
		zap.Int("prefetch", cfg.Prefetch), zap.Duration("lease", cfg.Lease), zap.Int("max_deliveries", cfg.MaxDeliveries))
	return l, nil
}

// abandon undoes a Listen that failed half way.
func (l *jsListener) abandon() {
	l.mu.Lock()
	l.stopped, l.closed = true, true
	l.mu.Unlock()
	for _, c := range l.cons {
		c.unsubscribe()
	}
}

func (l *jsListener) closedErr() error {
	return fmt.Errorf("nats: listener stopped: %w", transport.ErrClosed)
}

// Next hands out the oldest buffered delivery whose lease still runs.
func (l *jsListener) Next(ctx context.Context) (transport.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		d, err := l.ready.Take(ctx, l.done)
		if err != nil {
			return nil, err
		}
		if d == nil {
			return nil, l.closedErr()
		}
		l.mu.Lock()
		switch {
		case l.stopped:
			if d.state == driverkit.Active {
				l.releaseLocked(d)
			}
			l.mu.Unlock()
			return nil, l.closedErr()
		case d.state != driverkit.Active:
			l.mu.Unlock()
			continue // its lease ran out while buffered
		}
		d.handedOut = true
		l.mu.Unlock()
		return d, nil
	}
}

// Stop ends intake: the consumers' inbox subscriptions are drained (every
// message the server sent for an open request arrives and is given back
// at once, and the server drops the requests, their reply subject having
// no interest any more); then the buffered deliveries are given back at
// once (a Nak, which counts as a delivery; the server hands them to
// another member). Handed-out deliveries can still be settled.
func (l *jsListener) Stop() error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		<-l.stopDone // a concurrent Stop returns when the first is done
		return nil
	}
	l.stopped = true
	close(l.done)
	for _, d := range l.ready.Close() {
		if d.state == driverkit.Active {
			l.releaseLocked(d)
		}
	}
	for _, c := range l.cons {
		c.stopTimersLocked()
	}
	l.mu.Unlock()
	defer close(l.stopDone)

	var wg sync.WaitGroup
	for _, c := range l.cons {
		wg.Go(c.drain)
	}
	wg.Wait()

	l.mu.Lock()
	for _, d := range l.ready.Drain() {
		if d.state == driverkit.Active && !d.handedOut {
			l.releaseLocked(d)
		}
	}
	l.mu.Unlock()
	if l.stopCtx != nil {
		l.stopCtx()
	}
	return nil
}

// Close stops intake and gives every unsettled delivery back (a settle
// afterwards fails with ErrClosed). Consumers stay on the server (they
// are durable), except a transient pool's, which is removed.
func (l *jsListener) Close() error {
	_ = l.Stop()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	for _, c := range l.cons {
		for d := c.leases.Front(); d != nil; {
			next := d.links.Next()
			if d.state == driverkit.Active {
				l.releaseLocked(d)
			}
			d = next
		}
		if c.leaseTimer != nil {
			c.leaseTimer.Stop()
		}
	}
	l.mu.Unlock()
	l.t.flushSettlements()
	if l.cfg.Transient {
		for _, c := range l.cons {
			l.t.deleteTransient(c.stream, c.name)
		}
	}
	l.t.forgetListener(l)
	return nil
}

// receive takes one message of a pull request of c, on c's subscription
// goroutine.
func (l *jsListener) receive(c *jsConsumer, m *natsgo.Msg) {
	meta, err := m.Metadata()
	now := time.Now()
	l.mu.Lock()
	c.gotLocked(1, now)
	if err != nil {
		reqs := l.planLocked()
		l.mu.Unlock()
		l.send(reqs)
		l.t.log.Error("nats: a pull request brought a message without JetStream metadata", zap.String("subject", m.Subject), zap.Error(err))
		return
	}
	if l.stopped {
		l.mu.Unlock()
		giveBack(l.t.log, m)
		return
	}
	if l.cfg.MaxDeliveriesReached(int(meta.NumDelivered) - 1) {
		// Only a lease expiry on delivery number limit leads here (a
		// requeue of it is dead-lettered by Requeue): the last allowed
		// delivery was never settled. The record is written apart, off
		// the subscription's goroutine; the message holds no slot.
		c.forgetSeqLocked(meta.Sequence.Stream)
		reqs := l.planLocked()
		l.mu.Unlock()
		l.send(reqs)
		go c.deadLetterExpired(m, meta)
		return
	}
	d := newJSDelivery(c, m, meta, now)
	c.lastSeq = max(c.lastSeq, d.seq)
	c.forgetSeqLocked(d.seq)
	c.live[d.seq] = d
	c.leases.PushBack(d)
	if c.leases.Front() == d {
		c.armLeaseTimerLocked()
	}
	l.held++
	l.ready.Push(d)
	l.mu.Unlock()
}

// giveBack returns a message that arrived after Stop.
func giveBack(log *zap.Logger, m *natsgo.Msg) {
	if err := m.NakWithDelay(giveBackDelay); err != nil {
		log.Debug("nats: cannot give a message back; its lease brings it back", zap.Error(err))
	}
}

// expireLocked ends d's lease: its slot is free, settling it fails with
// ErrLeaseExpired, and the server redelivers the message.
func (l *jsListener) expireLocked(d *jsDelivery) {
	d.state = driverkit.Expired
	l.finishLocked(d)
	l.t.log.Debug("nats: lease expired", zap.String("message_id", d.msg.ID), zap.Int("deliveries", d.number),
		zap.Duration("lease", d.c.lease), zap.String("pool", l.cfg.Pool))
}

// releaseLocked gives d back to the server for redelivery at once.
func (l *jsListener) releaseLocked(d *jsDelivery) {
	d.state = driverkit.Released
	d.nak()
	l.finishLocked(d)
}

// finishLocked frees d's slot once it has left driverkit.Active.
func (l *jsListener) finishLocked(d *jsDelivery) {
	c := d.c
	c.leases.Remove(d)
	if c.live[d.seq] == d {
		delete(c.live, d.seq)
	}
	l.held--
}

// Backlog reports, per consumer, what waits for the listener's group on
// it: messages not yet delivered to the group (NumPending) plus those
// delivered and not yet acknowledged by any member (NumAckPending,
// delayed requeues included).
func (l *jsListener) Backlog(ctx context.Context) ([]transport.Backlog, error) {
	out := make([]transport.Backlog, 0, len(l.cons))
	for _, c := range l.cons {
		info, err := c.consumer().Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("nats: backlog of consumer %s on stream %s: %w", c.name, c.stream, err)
		}
		out = append(out, transport.Backlog{
			Exchange: c.shape.exchange,
			Topic:    c.shape.backlogTopic(),
			Pool:     l.cfg.Pool,
			Messages: int64(info.NumPending) + int64(info.NumAckPending),
		})
	}
	return out, nil
}
