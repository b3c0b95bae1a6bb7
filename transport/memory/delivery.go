package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// delivery is one handout of an entry to a listener. The fields after the
// immutable ones are guarded by the broker's mutex.
type delivery struct {
	b      *Broker
	l      *listener
	q      *queue
	e      *entry
	number int
	seq    uint64
	source transport.Source

	copyOnce sync.Once
	msg      transport.Message

	state driverkit.State
	timer *time.Timer
	// lease numbers the current lease; a lease timer whose number is stale
	// (Extend started a new one) does nothing when it fires.
	lease uint64
}

var (
	_ transport.Delivery       = (*delivery)(nil)
	_ transport.CappedRequeuer = (*delivery)(nil)
)

// Message returns this delivery's own copy of the message, made on first
// use: a handler that modifies it cannot affect other pools, redeliveries
// or the dead-letter record, which all use the message as sent.
func (d *delivery) Message() transport.Message {
	d.copyOnce.Do(func() {
		m := d.e.msg // never modified after Send, so no lock is needed
		d.msg = transport.Message{ID: m.ID, Header: m.Header.Clone()}
		if m.Body != nil {
			d.msg.Body = append(make([]byte, 0, len(m.Body)), m.Body...)
		}
	})
	return d.msg
}

// Source is the key the message was routed by and the listener's pool.
func (d *delivery) Source() transport.Source { return d.source }

// Deliveries is the number of this handout of the message through its
// queue: 1 on the first.
func (d *delivery) Deliveries() int { return d.number }

// Ack settles the delivery; the message is gone.
func (d *delivery) Ack(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	if err := d.check("ack"); err != nil {
		return err
	}
	d.finish(driverkit.Settled)
	d.b.serve(d.l)
	return nil
}

// Requeue settles the delivery and gives the message back: at the head of
// its queue at once, or at the tail after delay (a timer, no goroutine). A
// negative delay counts as 0. When the listener's MaxDeliveries has been
// reached the message is dead-lettered instead, with reason
// ReasonMaxDeliveries; Requeue still returns nil, as the delivery was
// settled.
func (d *delivery) Requeue(ctx context.Context, delay time.Duration) error {
	_, err := d.RequeueOrDeadLetter(ctx, delay, transport.DeadLetterInfo{})
	return err
}

// RequeueOrDeadLetter is Requeue, with info in the dead-letter record
// when MaxDeliveries turns the requeue into one.
func (d *delivery) RequeueOrDeadLetter(ctx context.Context, delay time.Duration, info transport.DeadLetterInfo) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	if err := d.check("requeue"); err != nil {
		return false, err
	}
	d.finish(driverkit.Settled)
	dead := d.maxed()
	switch {
	case dead:
		info.Reason = transport.ReasonMaxDeliveries
		d.deadLetter(info)
	case delay > 0:
		d.b.requeueAfter(d.q, d.e, delay)
	default:
		d.b.giveBack(d.q, d.e)
	}
	// Only now may the listener take another: a message given back at
	// once goes first.
	d.b.serve(d.l)
	return dead, nil
}

// DeadLetter settles the delivery by sending a dead-letter record to the
// listener's dead-letter target with the source priority; the record waits
// in that key's non-pooled queue like any message.
func (d *delivery) DeadLetter(ctx context.Context, info transport.DeadLetterInfo) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	if err := d.check("dead-letter"); err != nil {
		return err
	}
	d.finish(driverkit.Settled)
	d.deadLetter(info)
	d.b.serve(d.l)
	return nil
}

// Extend starts a new lease of the listener's Lease from now.
func (d *delivery) Extend(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	if err := d.check("extend"); err != nil {
		return err
	}
	d.timer.Stop()
	d.startLease()
	return nil
}

// check returns why d cannot be settled or extended, or nil. Called with
// the broker's lock held.
func (d *delivery) check(op string) error {
	return d.state.Check("memory", op, d.refusal)
}

// refusal says what became of a message that can no longer be settled.
func (d *delivery) refusal(s driverkit.State) string {
	if s == driverkit.Expired {
		return fmt.Sprintf(" (lease of %s, delivery %d of message %q)", d.l.cfg.Lease, d.number, d.e.msg.ID)
	}
	return ": the listener was closed and the message given back"
}

// startLease arms the lease timer. Called with the broker's lock held.
func (d *delivery) startLease() {
	d.lease++
	n := d.lease
	d.timer = time.AfterFunc(d.l.cfg.Lease, func() { d.expire(n) })
}

// expire runs when lease n runs out: the message goes back to the head of
// its queue for the next member, or to the dead-letter target once
// MaxDeliveries is reached.
func (d *delivery) expire(n uint64) {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	if d.state != driverkit.Active || d.lease != n {
		return // settled, released, or extended meanwhile
	}
	d.finish(driverkit.Expired)
	d.l.t.log.Debug("memory: lease expired",
		zap.String("message_id", d.e.msg.ID), zap.Int("deliveries", d.number),
		zap.Duration("lease", d.l.cfg.Lease), zap.String("pool", d.source.Pool))
	if d.maxed() {
		d.deadLetter(transport.DeadLetterInfo{
			Reason:    transport.ReasonMaxDeliveries,
			LastError: fmt.Sprintf("lease of %s expired", d.l.cfg.Lease),
		})
	} else {
		d.b.giveBack(d.q, d.e)
	}
	d.b.serve(d.l)
}

// finish leaves the active state: stops the lease and frees the prefetch
// slot. The caller then lets the listener use the slot (Broker.serve).
// Called with the broker's lock held.
func (d *delivery) finish(s driverkit.State) {
	if d.state == driverkit.Active {
		d.q.unsettled--
	}
	d.state = s
	d.timer.Stop()
	delete(d.l.outstanding, d)
}

func (d *delivery) maxed() bool { return d.l.cfg.MaxDeliveriesReached(d.number) }

// deadLetter sends the dead-letter record of d through the broker's
// normal send path. Called with the broker's lock held.
func (d *delivery) deadLetter(info transport.DeadLetterInfo) {
	rec := transport.DeadLetter{
		Original:   *d.e.msg,
		Info:       info,
		Deliveries: d.number,
		Source:     d.source,
		Time:       time.Now(),
	}.Message()
	dst := d.l.cfg.DeadLetterTarget(d.source.Target)
	d.b.sendLocked(key{exchange: dst.Exchange, topic: dst.Topic, priority: d.source.Priority}, &rec)
	d.l.t.log.Debug("memory: dead-lettered",
		zap.String("message_id", d.e.msg.ID), zap.String("reason", info.Reason),
		zap.Int("deliveries", d.number), zap.String("to", dst.String()), zap.String("pool", d.source.Pool))
}
