package rabbit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// delivery is a transport.Delivery: one AMQP delivery on one session's
// channel. Its settle methods run at most once (kombu's MessageStateError
// becomes ErrAlreadySettled) and only ever on that channel, even when
// another listener (its owner, see accept) hands it out; when the owner
// closes, it goes back to the broker on that channel (see listener.Close).
type delivery struct {
	sess  *session  // the session whose channel delivered it
	owner *listener // the listener whose Next hands it out
	raw   amqp.Delivery
	queue string
	msg   transport.Message
	src   transport.Source
	count int

	mu    sync.Mutex
	state driverkit.State
}

var (
	_ transport.Delivery       = (*delivery)(nil)
	_ transport.CappedRequeuer = (*delivery)(nil)
)

// accept turns what the broker pushed on s into a delivery and buffers it
// with the listener that subscribed to its target (see Transport.sibling).
func (l *listener) accept(s *session, queue string, raw amqp.Delivery) {
	ex, key := routedBy(&raw)
	tg, prio, ours := parseSource(ex, key, &l.cfg)
	d := &delivery{
		sess: s, owner: l, raw: raw, queue: queue,
		msg:   transport.Message{ID: raw.MessageId, Body: raw.Body, Header: fromTable(raw.Headers)},
		src:   transport.Source{Target: tg, Priority: prio, Pool: l.cfg.Pool},
		count: deliveryCount(&raw),
	}
	if !ours {
		if sib := l.tr.sibling(queue, ex, key, l); sib != nil {
			d.owner = sib
			d.src.Pool = sib.cfg.Pool
		}
	}
	d.owner.enqueue(d)
}

// Message returns the message as received: body byte for byte, headers
// without those the broker or hark added in transit (x-death,
// x-delivery-count, x-hark-*), and the message_id property as ID ("" for
// oslo's own notifications, which set none).
func (d *delivery) Message() transport.Message { return d.msg }

// Source is the target and priority of the message's routing key (for a
// requeued message, of its first routing) and the listener's pool.
func (d *delivery) Source() transport.Source { return d.src }

// Deliveries counts deliveries to this queue's group, 1 on the first; see
// deliveryCount for what RabbitMQ lets it know.
func (d *delivery) Deliveries() int { return d.count }

// Ack acknowledges the delivery through its session's acker, which
// coalesces acknowledgements into basic.ack frames with multiple=true (see
// acker.go for when they are written and what a nil error guarantees).
func (d *delivery) Ack(ctx context.Context) error {
	if err := d.begin(ctx); err != nil {
		return err
	}
	return d.finish(d.sess.acks.ack(d.raw.DeliveryTag), "ack")
}

// Requeue gives the message back to its queue. After MaxDeliveries
// deliveries it dead-letters it instead. With no delay, a quorum queue
// gets oslo's basic.reject(requeue=true) (the queue counts the return in
// x-delivery-count); a classic queue, which would only flag the message
// as redelivered, gets a copy republished to the queue with its count
// (x-hark-deliveries), and the original is then acknowledged. With a
// delay, the copy goes through the queue's retry queue for that delay.
// Either copy keeps the body, headers and properties of the original and
// is confirmed by the broker before the original is acknowledged, so a
// crash in between can duplicate the message but never lose it.
func (d *delivery) Requeue(ctx context.Context, delay time.Duration) error {
	_, err := d.RequeueOrDeadLetter(ctx, delay, transport.DeadLetterInfo{})
	return err
}

// RequeueOrDeadLetter is Requeue, with info in the dead-letter record
// when MaxDeliveries turns the requeue into one.
func (d *delivery) RequeueOrDeadLetter(ctx context.Context, delay time.Duration, info transport.DeadLetterInfo) (bool, error) {
	if err := d.begin(ctx); err != nil {
		return false, err
	}
	if d.owner.cfg.MaxDeliveriesReached(d.count) {
		info.Reason = transport.ReasonMaxDeliveries
		return true, d.deadLetter(ctx, info)
	}
	if delay <= 0 && d.quorum() {
		return false, d.finish(d.sess.acks.reject(d.raw.DeliveryTag, true), "requeue")
	}
	if err := d.republish(ctx, delay); err != nil {
		d.abort()
		return false, err
	}
	return false, d.finish(d.sess.acks.ack(d.raw.DeliveryTag), "acknowledge the requeued original")
}

// DeadLetter writes a dead-letter record (transport.DeadLetter: the
// original body and headers, plus why, how many deliveries, where from and
// when) to the listener's dead-letter target with the source priority,
// through the send connection, and acknowledges the delivery once the
// broker confirmed the record.
func (d *delivery) DeadLetter(ctx context.Context, info transport.DeadLetterInfo) error {
	if err := d.begin(ctx); err != nil {
		return err
	}
	return d.deadLetter(ctx, info)
}

// Extend is not supported: RabbitMQ has no per-delivery lease.
func (d *delivery) Extend(context.Context) error {
	return fmt.Errorf("rabbit: extend: %w (RabbitMQ has no per-delivery lease)", transport.ErrNotSupported)
}

// quorum reports whether the delivery came from a quorum queue: it carries
// the queue's return count, or the transport declares quorum queues.
func (d *delivery) quorum() bool {
	_, counted := intHeader(d.raw.Headers, headerQuorumCount)
	_, acquired := intHeader(d.raw.Headers, headerAcquired)
	return counted || acquired || d.sess.l.tr.cfg.quorum
}

// begin moves the delivery to settling, or says why it cannot be settled.
func (d *delivery) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state == driverkit.Active && (d.closed() || d.sess.dead.Load()) {
		d.loseLocked()
	}
	return d.state.Begin("rabbit", "settle", d.refusal)
}

// closed reports whether the listener that delivered d, or the one that
// handed it out, was closed.
func (d *delivery) closed() bool {
	return d.owner.isClosed() || d.sess.l.isClosed()
}

// loseLocked ends d, whose channel is gone or whose listener was closed:
// the broker has it back, and a settle is refused.
func (d *delivery) loseLocked() {
	d.state = driverkit.Expired
	if d.closed() {
		d.state = driverkit.Released
	}
	d.owner.settled(d)
}

// refusal says why d can no longer be settled.
func (d *delivery) refusal(s driverkit.State) string {
	if s == driverkit.Released {
		return ": the listener was closed; the broker has given the message back"
	}
	return ": the connection that delivered it was lost; the broker redelivers the message"
}

// finish completes a settle whose last step (an ack or reject on the
// channel) returned err.
func (d *delivery) finish(err error, what string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		// The channel is gone: the broker has the message back.
		d.loseLocked()
		return fmt.Errorf("%w (%s: %w)", d.state.Check("rabbit", "settle", d.refusal), what, err)
	}
	d.state = driverkit.Settled
	d.owner.settled(d)
	return nil
}

// abort undoes begin after a step failed before anything was settled, so
// the caller may try again.
func (d *delivery) abort() {
	d.mu.Lock()
	d.state.Abort()
	d.mu.Unlock()
}

// giveBack returns a handed-out delivery of another listener's channel
// to the broker when its owner closes: the channel outlives the owner, so
// the broker would not take it back by itself. A settle under way is left
// to finish.
func (d *delivery) giveBack() {
	d.mu.Lock()
	if d.state != driverkit.Active {
		d.mu.Unlock()
		return
	}
	d.state = driverkit.Released
	d.mu.Unlock()
	d.release()
}

// release gives a delivery that was never handed out back to the broker
// (basic.nack with requeue), when intake stops.
func (d *delivery) release() {
	if d.sess.dead.Load() {
		return // the broker has it back already
	}
	if err := d.sess.acks.nack(d.raw.DeliveryTag, true); err != nil && !errors.Is(err, amqp.ErrClosed) {
		d.owner.log.Debug("give a buffered delivery back", zap.Error(err))
	}
}
