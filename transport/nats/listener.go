package nats

import (
	"context"
	"fmt"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// jsListener is a JetStream listener: one durable pull consumer per (group,
// subject), one puller goroutine per consumer, and one prefetch budget
// (slots) shared by them. Messages are requested only for free slots, so
// the listener never holds more than Prefetch deliveries, buffered and
// handed out together.
type jsListener struct {
	t        *Transport
	cfg      transport.ListenConfig
	subs     []*jsSub
	slots    *slots
	maxBatch int
	// rotate: fewer slots than consumers (see rotatePause).
	rotate bool

	// intake ends at Stop: pullers stop, and their open requests are
	// abandoned.
	intake     context.Context
	stopIntake context.CancelFunc
	pullers    sync.WaitGroup
	// done is closed when Stop starts, waking a blocked Next; stopDone
	// when it has finished.
	done     chan struct{}
	stopDone chan struct{}
	// wake is signalled (never blocking) when buf grows.
	wake    chan struct{}
	stopCtx func() bool

	// mu guards the fields below and the state of every delivery of this
	// listener.
	mu      sync.Mutex
	stopped bool
	closed  bool
	// buf holds received deliveries not yet handed out, in arrival order.
	buf []*jsDelivery
	// live holds every delivery in stateActive, buffered or handed out, by
	// consumer and stream sequence, so a redelivery of the same message
	// to this listener ends the old delivery's lease at once.
	live map[seqKey]*jsDelivery
}

type seqKey struct {
	sub *jsSub
	seq uint64
}

var _ transport.Listener = (*jsListener)(nil)

// Pulling. While every consumer of a listener can have a slot
// (Prefetch ≥ consumers), each keeps one long-poll pull request open
// (pullExpiry). With fewer slots than consumers, requests cannot all be
// open at once: the consumers take turns with no-wait requests, pausing
// rotatePause after an empty one (at most that much latency per turn, a
// few requests a second while idle).
const (
	rotatePause = 100 * time.Millisecond
	// maxBatch caps one pull request.
	maxBatch = 256
)

func (t *Transport) listenJetStream(ctx context.Context, cfg transport.ListenConfig) (*jsListener, error) {
	l := &jsListener{
		t:        t,
		cfg:      cfg,
		slots:    newSlots(cfg.Prefetch),
		maxBatch: min(cfg.Prefetch, maxBatch),
		done:     make(chan struct{}),
		stopDone: make(chan struct{}),
		wake:     make(chan struct{}, 1),
		live:     map[seqKey]*jsDelivery{},
	}
	if mp := t.cfg.maxAckPending; mp > 0 && cfg.Prefetch > mp {
		t.log.Warn("nats: the listener's prefetch exceeds its consumers' max_ack_pending, which caps the whole group: raise max_ack_pending",
			zap.Int("prefetch", cfg.Prefetch), zap.Int("max_ack_pending", mp))
	}
	for _, k := range listenKeys(cfg) {
		stream, cons, err := t.ensureConsumer(ctx, cfg.Pool, k, cfg.Lease)
		if err != nil {
			return nil, fmt.Errorf("nats: listen: %w", err)
		}
		l.subs = append(l.subs, newJSSub(l, k, stream, cons))
	}
	l.rotate = cfg.Prefetch < len(l.subs)
	l.intake, l.stopIntake = context.WithCancel(context.Background())
	for _, s := range l.subs {
		l.pullers.Go(s.run)
	}
	l.stopCtx = context.AfterFunc(ctx, func() { _ = l.Stop() })
	t.log.Debug("nats: listening", zap.String("pool", cfg.Pool), zap.Int("consumers", len(l.subs)),
		zap.Int("prefetch", cfg.Prefetch), zap.Duration("lease", cfg.Lease), zap.Int("max_deliveries", cfg.MaxDeliveries))
	return l, nil
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
		l.mu.Lock()
		if l.stopped {
			l.mu.Unlock()
			return nil, l.closedErr()
		}
		now := time.Now()
		for len(l.buf) > 0 {
			d := l.buf[0]
			l.buf[0] = nil
			l.buf = l.buf[1:]
			if d.state != stateActive {
				continue // its lease ran out while buffered
			}
			if !now.Before(d.deadline) {
				l.expireLocked(d)
				continue
			}
			l.mu.Unlock()
			return d, nil
		}
		l.mu.Unlock()
		l.slots.relax()
		select {
		case <-l.wake:
		case <-l.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Stop ends intake: the pullers end, each draining its open request (see
// jsSub.abandon); then the buffered deliveries are given back at once (a
// Nak, which counts as a delivery; the server hands them to another
// member, as no request of this listener is open any more). Handed-out
// deliveries can still be settled.
func (l *jsListener) Stop() error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		<-l.stopDone // a concurrent Stop returns when the first is done
		return nil
	}
	l.stopped = true
	close(l.done)
	l.mu.Unlock()
	defer close(l.stopDone)

	l.stopIntake()
	l.pullers.Wait()

	l.mu.Lock()
	for _, d := range l.buf {
		if d.state == stateActive {
			l.releaseLocked(d)
		}
	}
	l.buf = nil
	l.mu.Unlock()
	if l.stopCtx != nil {
		l.stopCtx()
	}
	return nil
}

// Close stops intake and gives every unsettled delivery back (a settle
// afterwards fails with ErrClosed). Consumers stay on the server: they
// are durable.
func (l *jsListener) Close() error {
	_ = l.Stop()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	for _, d := range l.live {
		if d.state == stateActive {
			l.releaseLocked(d)
		}
	}
	l.mu.Unlock()
	l.t.forgetListener(l)
	return nil
}

// receive takes one message of a pull request of s; its slot is held
// until the delivery is settled, expires or is given back.
func (l *jsListener) receive(s *jsSub, m *natsgo.Msg) {
	meta, err := m.Metadata()
	if err != nil {
		l.t.log.Error("nats: a pull request brought a message without JetStream metadata", zap.String("subject", m.Subject), zap.Error(err))
		l.slots.release(1)
		return
	}
	if limit := l.cfg.MaxDeliveries; limit > 0 && int(meta.NumDelivered) > limit {
		// Only a lease expiry on delivery number limit leads here (a
		// requeue of it is dead-lettered by Requeue): the last allowed
		// delivery was never settled.
		l.mu.Lock()
		l.forgetSeqLocked(s, meta.Sequence.Stream)
		l.mu.Unlock()
		s.deadLetterExpired(m, meta)
		l.slots.release(1)
		return
	}
	d := newJSDelivery(l, s, m, meta, time.Now())

	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetSeqLocked(s, meta.Sequence.Stream)
	l.live[seqKey{s, meta.Sequence.Stream}] = d
	d.timer = time.AfterFunc(time.Until(d.deadline), d.leaseTimer)
	l.buf = append(l.buf, d)
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// forgetSeqLocked ends the lease of an earlier delivery of the same
// message: the server redelivered it, so it had expired there.
func (l *jsListener) forgetSeqLocked(s *jsSub, seq uint64) {
	if old := l.live[seqKey{s, seq}]; old != nil && old.state == stateActive {
		l.expireLocked(old)
	}
}

// expireLocked ends d's lease: its slot is free, settling it fails with
// ErrLeaseExpired, and the server redelivers the message.
func (l *jsListener) expireLocked(d *jsDelivery) {
	d.state = stateExpired
	l.finishLocked(d)
	l.t.log.Debug("nats: lease expired", zap.String("message_id", d.msg.ID), zap.Int("deliveries", d.number),
		zap.Duration("lease", d.sub.lease), zap.String("pool", d.sub.source.Pool))
}

// releaseLocked gives d back to the server for redelivery at once.
func (l *jsListener) releaseLocked(d *jsDelivery) {
	d.state = stateReleased
	d.nak()
	l.finishLocked(d)
}

// finishLocked frees d's slot once it has left stateActive.
func (l *jsListener) finishLocked(d *jsDelivery) {
	if d.timer != nil {
		d.timer.Stop()
	}
	k := seqKey{d.sub, d.seq}
	if l.live[k] == d {
		delete(l.live, k)
	}
	l.slots.release(1)
}

// buffered is how many deliveries wait for Next.
func (l *jsListener) buffered() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buf)
}
