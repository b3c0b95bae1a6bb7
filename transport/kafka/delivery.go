package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// delivery is a transport.Delivery: one record of one partition. Its
// state is guarded by its listener's mu.
type delivery struct {
	l     *listener
	rec   *kgo.Record
	key   tp
	ps    *partState // the partition's state when it was taken in
	msg   transport.Message
	src   transport.Source
	count int
	retry retryInfo // what a retry record's headers said

	state     driverkit.State
	handedOut bool
	tracked   bool // the offset is in ps.pending
}

var (
	_ transport.Delivery       = (*delivery)(nil)
	_ transport.CappedRequeuer = (*delivery)(nil)
)

// Message returns the message as received: the record's value byte for
// byte, its headers without hark's own (Hark-Id, Hark-Retry-*), and the
// ID from Hark-Id or the body's message_id.
func (d *delivery) Message() transport.Message { return d.msg }

// Source is the target and priority of the record's topic (for a retry
// record, of the topic it was first read from) and the listener's pool.
func (d *delivery) Source() transport.Source { return d.src }

// Deliveries is 1 on a record's first delivery; a requeued copy carries
// the count so far in its Hark-Retry-Deliveries header. A record read
// again after a crash (its offset was not committed) counts 1 again:
// Kafka keeps no per-record count.
func (d *delivery) Deliveries() int { return d.count }

// Ack settles the delivery: its offset becomes committable once every
// earlier record of its partition is settled too; the commit follows
// within the commit interval.
func (d *delivery) Ack(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := d.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := d.state.Check("kafka", "ack", d.refusal); err != nil {
		return err
	}
	l.settleOffsetLocked(d)
	l.endLocked(d, driverkit.Settled)
	return nil
}

// Requeue gives the message back for redelivery after delay without
// rewinding its partition: a copy goes to the group's retry topic (see
// the package documentation), and the original is settled once the
// broker stored the copy. After MaxDeliveries it dead-letters instead.
func (d *delivery) Requeue(ctx context.Context, delay time.Duration) error {
	_, err := d.RequeueOrDeadLetter(ctx, delay, transport.DeadLetterInfo{})
	return err
}

// RequeueOrDeadLetter is Requeue, with info in the dead-letter record
// when MaxDeliveries turns the requeue into one.
func (d *delivery) RequeueOrDeadLetter(ctx context.Context, delay time.Duration, info transport.DeadLetterInfo) (bool, error) {
	if err := d.begin(ctx, "requeue"); err != nil {
		return false, err
	}
	if d.l.cfg.MaxDeliveriesReached(d.count) {
		info.Reason = transport.ReasonMaxDeliveries
		return true, d.deadLetter(ctx, info)
	}
	if d.l.transient {
		d.requeueInMemory(delay)
		return false, nil
	}
	if err := d.l.tr.produceRetrying(ctx, d.retryRecord(delay)); err != nil {
		d.abort()
		return false, fmt.Errorf("kafka: requeue: write the copy to the retry topic: %w", err)
	}
	d.finish()
	return false, nil
}

// DeadLetter writes a dead-letter record (transport.DeadLetter: the
// original value and headers, plus why, how many deliveries, where from
// and when, as Kafka record headers) to "<dead-letter topic>.<priority>",
// and settles the delivery once the broker stored the record.
func (d *delivery) DeadLetter(ctx context.Context, info transport.DeadLetterInfo) error {
	if err := d.begin(ctx, "dead-letter"); err != nil {
		return err
	}
	return d.deadLetter(ctx, info)
}

// Extend is not supported: Kafka has no per-record lease. A delivery is
// held until it is settled, the listener closes, or its partition is
// revoked (then after the revoke grace).
func (d *delivery) Extend(context.Context) error {
	return fmt.Errorf("kafka: extend: %w (Kafka has no per-record lease: a delivery is held until settled or its partition is revoked)", transport.ErrNotSupported)
}

// begin moves the delivery to settling, or says why it cannot be settled.
func (d *delivery) begin(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.l.mu.Lock()
	defer d.l.mu.Unlock()
	return d.state.Begin("kafka", op, d.refusal)
}

// abort makes a delivery whose settle failed settleable again, unless its
// partition was revoked meanwhile.
func (d *delivery) abort() {
	l := d.l
	l.mu.Lock()
	defer l.mu.Unlock()
	d.state.Abort()
	if d.state == driverkit.Active && d.tracked && l.parts[d.key] != d.ps {
		l.endLocked(d, driverkit.Expired)
	}
}

// finish settles a delivery whose requeue or dead letter was stored.
func (d *delivery) finish() {
	l := d.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settleOffsetLocked(d)
	l.endLocked(d, driverkit.Settled)
}

// refusal says what became of a delivery that can no longer be settled.
func (d *delivery) refusal(s driverkit.State) string {
	if s == driverkit.Expired {
		return fmt.Sprintf(" (partition %s/%d was revoked from this member; the group reads the record again)", d.key.topic, d.key.partition)
	}
	return " (the listener gave it back to its group)"
}
