package nats

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// coreListener is a core-NATS listener: queue subscriptions to its
// shapes' filter subjects (one per topic when it takes every priority),
// the queue group named after the pool ("hark_all" for the non-pooled
// group), so members of a group share and every group gets a copy.
// Nothing is stored or acknowledged: at most once. The subscriptions
// share one channel and one goroutine, which waits for a prefetch slot
// per message, so a listener holds at most Prefetch messages whatever its
// subjects; beyond that the client buffers, and past its pending limits
// drops messages and reports a slow consumer (logged and counted by the
// transport).
type coreListener struct {
	t    *Transport
	cfg  transport.ListenConfig
	subs []*natsgo.Subscription
	// slots is the prefetch budget: a token per message buffered or
	// handed out and not yet settled.
	slots chan struct{}

	intake     context.Context
	stopIntake context.CancelFunc
	// in is the channel every subscription delivers to; reading ends when
	// intake ends.
	in      chan *natsgo.Msg
	reading sync.WaitGroup
	// ready holds the messages received and not yet handed out, oldest
	// first, and hands them to Next.
	ready   *driverkit.Handoff[coreDelivery]
	done    chan struct{}
	stopCtx func() bool

	mu          sync.Mutex
	stopped     bool
	closed      bool
	outstanding map[*coreDelivery]struct{}
}

var _ transport.Listener = (*coreListener)(nil)

// coreQueue names the queue group of a pool.
func coreQueue(pool string) string {
	if pool == "" {
		return "hark_all"
	}
	return "hark_pool_" + pool
}

func (t *Transport) listenCore(ctx context.Context, cfg transport.ListenConfig) (*coreListener, error) {
	l := &coreListener{
		t:           t,
		cfg:         cfg,
		slots:       make(chan struct{}, cfg.Prefetch),
		ready:       driverkit.NewHandoff[coreDelivery](cfg.Prefetch),
		done:        make(chan struct{}),
		outstanding: map[*coreDelivery]struct{}{},
	}
	l.intake, l.stopIntake = context.WithCancel(context.Background())
	l.in = make(chan *natsgo.Msg, coreChanSize)
	for _, s := range shapes(cfg) {
		for _, subj := range s.filters() {
			sub, err := t.nc.ChanQueueSubscribe(subj, coreQueue(cfg.Pool), l.in)
			if err != nil {
				l.unsubscribe()
				return nil, fmt.Errorf("nats: listen: subscribe to %s: %w", subj, err)
			}
			l.subs = append(l.subs, sub)
		}
	}
	// The server must know the subscriptions before Listen returns, or a
	// message sent right after would find no one.
	fctx, cancel := context.WithTimeout(ctx, t.cfg.publishTimeout)
	defer cancel()
	if err := t.nc.FlushWithContext(fctx); err != nil {
		l.unsubscribe()
		return nil, fmt.Errorf("nats: listen: flush subscriptions: %w", err)
	}
	l.reading.Go(l.read)
	l.stopCtx = context.AfterFunc(ctx, func() { _ = l.Stop() })
	return l, nil
}

// coreChanSize is the room of the channel the subscriptions share: what
// the client buffers for a listener whose prefetch is full. Past it
// nats.go drops messages and reports a slow consumer, as it does past an
// async subscription's default pending limit, which this matches.
const coreChanSize = natsgo.DefaultSubPendingMsgsLimit

// read takes the subscriptions' messages one at a time until intake ends.
func (l *coreListener) read() {
	for {
		select {
		case m := <-l.in:
			l.receive(m)
		case <-l.intake.Done():
			return
		}
	}
}

// receive waits for a slot, then buffers m for Next.
func (l *coreListener) receive(m *natsgo.Msg) {
	select {
	case l.slots <- struct{}{}:
	case <-l.intake.Done():
		l.t.log.Debug("nats: core message dropped: the listener stopped", zap.String("subject", m.Subject))
		return
	}
	id, hdr, err := decodeHeader(m.Header, m.Subject)
	if err != nil {
		l.t.log.Warn("nats: undecodable transport header; delivering the message without it", zap.String("subject", m.Subject), zap.Error(err))
	}
	src := transport.Source{Pool: l.cfg.Pool}
	// Exchanges have no dots: the subject's first token is the exchange.
	if i := strings.IndexByte(m.Subject, '.'); i > 0 {
		if topic, p, ok := parseSubject(m.Subject[:i], m.Subject); ok {
			src.Target, src.Priority = target.Target{Exchange: m.Subject[:i], Topic: topic}, p
		}
	}
	d := &coreDelivery{l: l, source: src, msg: transport.Message{ID: id, Body: m.Data, Header: hdr}}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		l.release(1)
		return
	}
	l.ready.Push(d)
}

// release returns n slots.
func (l *coreListener) release(n int) {
	for range n {
		<-l.slots
	}
}

// Next hands out the oldest buffered message.
func (l *coreListener) Next(ctx context.Context) (transport.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := l.ready.Take(ctx, l.done)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if d == nil || l.stopped {
		if d != nil {
			l.release(1) // taken as Stop began: dropped with the rest
		}
		return nil, fmt.Errorf("nats: listener stopped: %w", transport.ErrClosed)
	}
	l.outstanding[d] = struct{}{}
	return d, nil
}

// Stop unsubscribes. Messages buffered but not handed out are dropped
// (core NATS cannot give them back) and the count is logged.
func (l *coreListener) Stop() error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return nil
	}
	l.stopped = true
	close(l.done)
	l.stopIntake()
	buf := l.ready.Close()
	l.mu.Unlock()
	l.unsubscribe()
	l.reading.Wait()
	l.mu.Lock()
	dropped := len(buf) + len(l.in)
	l.release(len(buf))
	for len(l.in) > 0 {
		<-l.in
	}
	l.mu.Unlock()
	if dropped > 0 {
		l.t.log.Warn("nats: core listener stopped with buffered messages; they are dropped (core NATS is at most once)", zap.Int("dropped", dropped))
	}
	if l.stopCtx != nil {
		l.stopCtx()
	}
	return nil
}

func (l *coreListener) unsubscribe() {
	for _, s := range l.subs {
		_ = s.Unsubscribe()
	}
}

// Close stops intake; settling a delivery afterwards fails with
// ErrClosed.
func (l *coreListener) Close() error {
	_ = l.Stop()
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		for d := range l.outstanding {
			d.state = driverkit.Released
		}
		l.release(len(l.outstanding))
		clear(l.outstanding)
	}
	l.mu.Unlock()
	l.t.forgetListener(l)
	return nil
}

// coreDelivery is one core-NATS message: settling it only frees its
// prefetch slot; there is nothing to tell the server.
type coreDelivery struct {
	l      *coreListener
	source transport.Source
	msg    transport.Message

	copyOnce sync.Once
	copied   transport.Message

	state driverkit.State // guarded by the listener's mutex
}

var _ transport.Delivery = (*coreDelivery)(nil)

// Message returns this delivery's own copy of the message.
func (d *coreDelivery) Message() transport.Message {
	d.copyOnce.Do(func() {
		d.copied = transport.Message{ID: d.msg.ID, Header: d.msg.Header.Clone()}
		if d.msg.Body != nil {
			d.copied.Body = bytes.Clone(d.msg.Body)
		}
	})
	return d.copied
}

// Source is the subject the message came by and the listener's pool.
func (d *coreDelivery) Source() transport.Source { return d.source }

// Deliveries is always 1: core NATS never redelivers.
func (d *coreDelivery) Deliveries() int { return 1 }

// Ack settles the delivery (nothing is sent: core NATS has no acks).
func (d *coreDelivery) Ack(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := d.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := d.state.Check("nats", "ack", closedDetail); err != nil {
		return err
	}
	d.state = driverkit.Settled
	delete(l.outstanding, d)
	l.release(1)
	return nil
}

// Requeue is not supported in core mode.
func (d *coreDelivery) Requeue(context.Context, time.Duration) error {
	return d.unsupported("requeue", "requeue")
}

// DeadLetter is not supported in core mode.
func (d *coreDelivery) DeadLetter(context.Context, transport.DeadLetterInfo) error {
	return d.unsupported("dead-letter", "dead-letter")
}

// Extend is not supported in core mode: there is no lease.
func (d *coreDelivery) Extend(context.Context) error {
	return d.unsupported("extend", "lease")
}

// closedDetail is why a core delivery cannot be settled after Close.
func closedDetail(driverkit.State) string { return ": the listener was closed" }

func (d *coreDelivery) unsupported(op, capability string) error {
	d.l.mu.Lock()
	defer d.l.mu.Unlock()
	if s := d.state; s == driverkit.Settled {
		return s.Check("nats", op, nil)
	}
	return fmt.Errorf("nats: %s: %w: core NATS has no %s capability (use mode=jetstream)", op, transport.ErrNotSupported, capability)
}
