package nats

import (
	"context"
	"fmt"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/internal/ilist"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// jsDelivery is one JetStream delivery. Its state, deadline, list links
// and handedOut flag are guarded by the listener's mutex.
type jsDelivery struct {
	l      *jsListener
	c      *jsConsumer
	m      *natsgo.Msg
	msg    transport.Message
	source transport.Source
	number int
	seq    uint64

	state     driverkit.State
	handedOut bool
	deadline  time.Time
	// links link the consumer's leaseList.
	links ilist.Links[jsDelivery]
}

// Links returns d's links in its consumer's leaseList.
func (d *jsDelivery) Links() *ilist.Links[jsDelivery] { return &d.links }

var (
	_ transport.Delivery       = (*jsDelivery)(nil)
	_ transport.CappedRequeuer = (*jsDelivery)(nil)
)

func newJSDelivery(c *jsConsumer, m *natsgo.Msg, meta *natsgo.MsgMetadata, now time.Time) *jsDelivery {
	l := c.l
	id, hdr, err := decodeHeader(m.Header, m.Subject)
	if err != nil {
		l.t.log.Warn("nats: undecodable transport header; delivering the message without it", zap.String("subject", m.Subject), zap.Error(err))
	}
	src := transport.Source{Target: target.Target{Exchange: c.shape.exchange}, Pool: l.cfg.Pool}
	if topic, p, ok := parseSubject(c.shape.exchange, m.Subject); ok {
		src.Target.Topic, src.Priority = topic, p
	}
	return &jsDelivery{
		l:        l,
		c:        c,
		m:        m,
		msg:      transport.Message{ID: id, Body: m.Data, Header: hdr},
		source:   src,
		number:   int(meta.NumDelivered),
		seq:      meta.Sequence.Stream,
		deadline: now.Add(c.lease - leaseMargin(c.lease)),
	}
}

// Message returns the message as received: its body is the bytes the
// client read for this delivery alone (see transport.Delivery.Message).
func (d *jsDelivery) Message() transport.Message { return d.msg }

// Source is the subject the message came by and the listener's pool.
func (d *jsDelivery) Source() transport.Source { return d.source }

// Deliveries is JetStream's delivery count of the message to this group
// (NumDelivered). It counts every delivery, including those a stopped
// listener had buffered and gave back.
func (d *jsDelivery) Deliveries() int { return d.number }

// Ack acknowledges the message. The ack is sent without waiting for the
// server's confirmation (Transport.Close flushes it); if it is lost, the
// message is redelivered when the lease runs out: at least once.
func (d *jsDelivery) Ack(ctx context.Context) error {
	return d.settle(ctx, "ack", func() error { return d.m.Ack() })
}

// Requeue gives the message back: redelivered after delay (NakWithDelay;
// it stays pending on the server meanwhile and counts against
// MaxAckPending, not against this listener's Prefetch); a delay of 0 or
// less means at once (see giveBackDelay). When this delivery is number MaxDeliveries
// or later, the message is dead-lettered instead (ReasonMaxDeliveries).
func (d *jsDelivery) Requeue(ctx context.Context, delay time.Duration) error {
	_, err := d.RequeueOrDeadLetter(ctx, delay, transport.DeadLetterInfo{})
	return err
}

// RequeueOrDeadLetter is Requeue, with info in the dead-letter record
// when MaxDeliveries turns the requeue into one.
func (d *jsDelivery) RequeueOrDeadLetter(ctx context.Context, delay time.Duration, info transport.DeadLetterInfo) (bool, error) {
	if d.l.cfg.MaxDeliveriesReached(d.number) {
		info.Reason = transport.ReasonMaxDeliveries
		return true, d.deadLetter(ctx, "requeue", info)
	}
	return false, d.settle(ctx, "requeue", func() error { return d.m.NakWithDelay(max(delay, giveBackDelay)) })
}

// DeadLetter writes the dead-letter record (waiting for the stream's ack)
// and then terminates the message (Term: never redelivered to this
// group). If the record cannot be written the delivery stays unsettled
// and the error is returned, so the caller may retry or requeue.
func (d *jsDelivery) DeadLetter(ctx context.Context, info transport.DeadLetterInfo) error {
	return d.deadLetter(ctx, "dead-letter", info)
}

// Extend renews the lease (InProgress): the server restarts AckWait.
func (d *jsDelivery) Extend(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := d.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := d.checkLocked("extend"); err != nil {
		return err
	}
	if err := d.m.InProgress(); err != nil {
		return fmt.Errorf("nats: extend: %w", err)
	}
	d.deadline = time.Now().Add(d.c.lease - leaseMargin(d.c.lease))
	d.c.leases.MoveToBack(d)
	return nil
}

// renewLocked renews the lease of a buffered delivery; if the renewal
// cannot be sent the lease runs its course.
func (d *jsDelivery) renewLocked(now time.Time) {
	if err := d.m.InProgress(); err != nil {
		d.l.t.log.Debug("nats: cannot renew the lease of a buffered delivery", zap.String("message_id", d.msg.ID), zap.Error(err))
		if !d.deadline.After(now) {
			d.l.expireLocked(d)
		}
		return
	}
	d.deadline = now.Add(d.c.lease - leaseMargin(d.c.lease))
	d.c.leases.MoveToBack(d)
}

// settle runs send (an ack-type publish, no round trip) if d can still
// be settled, and frees its prefetch slot.
func (d *jsDelivery) settle(ctx context.Context, op string, send func() error) error {
	if err := d.lockActive(ctx, op); err != nil {
		return err
	}
	if err := send(); err != nil {
		d.l.mu.Unlock()
		return fmt.Errorf("nats: %s: %w", op, err)
	}
	d.settledLocked()
	return nil
}

// lockActive locks the listener if d can be settled now; otherwise it
// returns why, unlocked.
func (d *jsDelivery) lockActive(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.l.mu.Lock()
	if err := d.checkLocked(op); err != nil {
		d.l.mu.Unlock()
		return err
	}
	return nil
}

// settledLocked marks d settled, frees its slot, unlocks the listener and
// asks for what the slot allows.
func (d *jsDelivery) settledLocked() {
	l := d.l
	d.state = driverkit.Settled
	l.finishLocked(d)
	reqs := l.planLocked()
	l.mu.Unlock()
	l.send(reqs)
}

func (d *jsDelivery) deadLetter(ctx context.Context, op string, info transport.DeadLetterInfo) error {
	if err := d.lockActive(ctx, op); err != nil {
		return err
	}
	l := d.l
	// Settling: a concurrent settle is refused, the lease sweep and Close
	// leave the delivery alone while the record is written.
	d.state = driverkit.Settling
	l.mu.Unlock()

	dst := l.cfg.DeadLetterTarget(d.source.Target)
	err := l.t.publishDeadLetter(ctx, dst, d.source, d.msg, d.number, info, dedupID(d.c.stream, d.c.name, d.seq))

	l.mu.Lock()
	if err != nil {
		d.state.Abort()
		if !time.Now().Before(d.deadline) {
			l.expireLocked(d)
		}
		l.mu.Unlock()
		return fmt.Errorf("nats: %s: %w", op, err)
	}
	if err := d.m.Term(); err != nil {
		// The record is written; a redelivery would write it again under
		// the same de-duplication ID, which the stream drops.
		l.t.log.Warn("nats: cannot terminate a dead-lettered message", zap.String("message_id", d.msg.ID), zap.Error(err))
	}
	d.settledLocked()
	return nil
}

// checkLocked returns why d cannot be settled or extended now, or nil; a
// lease found over is ended here, before the sweep gets to it.
func (d *jsDelivery) checkLocked(op string) error {
	if d.state == driverkit.Active && !time.Now().Before(d.deadline) {
		d.l.expireLocked(d)
	}
	return d.state.Check("nats", op, d.refusal)
}

// refusal says what became of a message that can no longer be settled.
func (d *jsDelivery) refusal(s driverkit.State) string {
	if s == driverkit.Expired {
		return fmt.Sprintf(" (lease of %s, delivery %d of message %q); nothing was sent, the server redelivers it", d.c.lease, d.number, d.msg.ID)
	}
	return ": the listener gave the message back"
}

// giveBackDelay is the delay of a message given back "at once". A plain
// Nak puts the message on the consumer leader's redelivery queue, which
// lives in memory only: a server restart or a new leader forgets it, and
// the message then waits out its whole AckWait. A Nak with a delay is
// written to the consumer's state (and replicated) as "due now", so it
// survives both; the millisecond is only what makes it that kind of Nak.
const giveBackDelay = time.Millisecond

// nak gives the message back for redelivery at once. Errors are logged:
// if the Nak is lost the lease brings the message back anyway.
func (d *jsDelivery) nak() {
	if err := d.m.NakWithDelay(giveBackDelay); err != nil {
		d.l.t.log.Debug("nats: cannot give a message back; its lease brings it back",
			zap.String("message_id", d.msg.ID), zap.Error(err))
	}
}
