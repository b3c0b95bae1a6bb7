package rabbit

import (
	"fmt"
	"slices"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harkmq/hark/internal/backoff"
)

// Acknowledgements are coalesced per channel: one basic.ack with
// multiple=true for tag N acknowledges every tag up to N that the broker
// still holds unacknowledged on that channel, so a listener that settles
// k deliveries between two writes pays one frame (one write on the
// socket, one frame for the broker to process) instead of k. When the
// broker shares the machine, its work per frame is much of the cost of a
// delivery.
//
// Delivery tags are per channel and count from 1 without gaps (only
// basic.deliver uses them on the consumer channel; all consumers of the
// session share the sequence). So the acker needs no list of deliveries:
// every tag it has not seen settled is unsettled, whether it is still in
// amqp091-go's buffers, buffered for Next, or in a handler. It keeps the
// settled tags as a prefix (1..P all settled) plus runs above it
// (settledTags), and the acknowledgements it has not written yet:
//   - pending: acknowledgements at or below P. One frame for the highest
//     of them covers them all, and nothing else: every other tag at or
//     below it is settled, and the ones that were settled otherwise
//     (rejected, nacked, acknowledged alone) had their frames written
//     before they were marked settled, so the broker no longer holds them.
//     The frame's own tag is itself an unwritten acknowledgement, so the
//     broker still holds it (a multiple ack naming a tag the broker does
//     not hold, such as a rejected one, closes the channel: "unknown
//     delivery tag").
//   - deferred: acknowledgements above an unsettled tag (out-of-order
//     completion). No frame can cover them yet: it would acknowledge the
//     unsettled tag below. They wait for that tag to settle, when they
//     join pending. A slow handler holding the low tag must not hold them
//     (the broker counts them against the prefetch), so they wait at most
//     as long as pending does, and are then acknowledged one by one.
//
// When frames are written, with no timer per delivery:
//   - when limit acknowledgements (half the prefetch) would wait
//     unwritten: pending goes out at once, written by the goroutine whose
//     Ack reached the limit; an acknowledgement above an unsettled tag
//     that would reach it goes out alone at once. So fewer than limit wait
//     at any time, and at least half of the broker's prefetch window stays
//     open; a prefetch below 4 makes limit 1, and nothing waits;
//   - at the latest ackDelay after the first unwritten acknowledgement:
//     one timer per session, armed when something starts waiting (once
//     per batch, not per delivery); everything waiting goes out, deferred
//     tags one by one;
//   - when the session closes (Close, or a reconnect after the broker
//     cancelled a consumer): everything waiting goes out before the
//     connection is closed (bounded by closeTimeout, as the close itself).
//
// Why this policy (measured with BenchmarkDrain, prefetch 128). Writing
// at once whenever no write is under way (group commit), with
// acknowledgements above a gap written alone, coalesced almost nothing:
// the pooled executor completes about half of its deliveries above a
// lower one still in a handler, and in-order ones rarely pile up during
// one write. Flushing when Next goes idle instead of after a delay fires
// on nearly every Next of a listener that is faster than the broker (11.6k
// flushes for 20k acknowledgements). The count limit and the delay
// together wrote 20k acknowledgements in about 1-3k frames, and the
// listener drained about 40% faster than a bare amqp091-go loop acking
// one by one; a lower limit (prefetch/4) wrote about six times as many
// acknowledgements alone above gaps.
//
// Rejects and nacks (Requeue on quorum queues, the release of buffered
// deliveries at Stop) are written at once, by their caller, and only
// then marked settled: that orders them before any multiple ack that
// covers their tag. An acknowledgement written alone follows the same
// rule. All coalesced frames are written by one goroutine at a time
// (flushing), and a tag is taken out of pending or deferred before its
// frame is written, so no tag is ever acknowledged twice.
//
// The guarantee. Ack returns nil once the acknowledgement is recorded on
// the live session; its frame is written within ackDelay, sooner under
// load, and always before hark closes the channel. Until the frame is
// written the broker still counts the delivery as unacknowledged, so the
// only thing that can make it redeliver the message is losing the
// connection or channel first, just as a written frame can be lost with
// the connection before the broker reads it. Then the message is
// redelivered (at-least-once: never lost, possibly duplicated), and the
// notify listener's duplicate suppression acknowledges the copy. A
// delivery is never covered before it is settled: buffered deliveries,
// and deliveries in a handler, are unsettled tags, and no frame reaches
// past the first of them. A write error means the channel is gone: the
// acker returns it to the settle that wrote the frame and to every later
// one; acknowledgements recorded but not written are redelivered by the
// broker. A session that died drops its acker with it; the next
// session's channel counts tags from 1, with a new acker.

// ackDelay bounds how long an acknowledgement waits unwritten: long
// enough for a busy listener to coalesce a few dozen of them, short
// against anything a broker or a user can observe.
const ackDelay = time.Millisecond

// ackChannel writes settlement frames: an *amqp.Channel, or a fake in
// tests.
type ackChannel interface {
	Ack(tag uint64, multiple bool) error
	Nack(tag uint64, multiple, requeue bool) error
	Reject(tag uint64, requeue bool) error
}

var _ ackChannel = (*amqp.Channel)(nil)

// errAckerClosed is what a settlement on a closed acker returns: its
// session is being closed, and the broker takes back every delivery it
// has not seen settled.
var errAckerClosed = fmt.Errorf("rabbit: the consumer channel is closing: %w", amqp.ErrClosed)

// acker writes the settlements of one session's channel, coalescing
// acknowledgements (see above). Its methods are safe for concurrent use.
type acker struct {
	ch ackChannel
	// limit bounds how many acknowledgements wait unwritten (the one
	// that would reach it is written at once), and delay how long
	// (ackDelay; tests lengthen it to take the timer out).
	limit int
	delay time.Duration
	// timer writes what waits, delay after it started waiting.
	timer *time.Timer

	mu sync.Mutex
	// tags are the settled tags: those written alone, and acknowledged
	// ones, written or not.
	tags settledTags
	// pending is the highest unwritten acknowledgement at or below
	// tags.prefix, 0 for none; count is how many unwritten
	// acknowledgements it stands for.
	pending uint64
	count   int
	// deferred are the unwritten acknowledgements above tags.prefix, in
	// order.
	deferred []uint64
	// armed is set while the timer runs.
	armed bool
	// urgent makes the flush write deferred tags too, one by one: the
	// timer went off, or the acker is closing.
	urgent bool
	// flushing is set while a goroutine writes pending and deferred
	// acknowledgements; writers counts the goroutines writing any frame
	// (the flusher included), for close to wait on.
	flushing bool
	writers  int
	// err is the first write error: the channel is gone.
	err error
	// closed is set by close; drained, when set, is closed when writers
	// drops to 0.
	closed  bool
	drained chan struct{}
}

// newAcker returns the acker of a new channel whose listener hands out at
// most prefetch unsettled deliveries.
func newAcker(ch ackChannel, prefetch int) *acker {
	a := &acker{ch: ch, limit: max(1, prefetch/2), delay: ackDelay}
	a.timer = time.AfterFunc(a.delay, a.expire)
	a.timer.Stop()
	return a
}

// ack acknowledges tag. It returns nil once the acknowledgement is
// recorded (see the guarantee above), or the error of the write that
// carried it when this call wrote it, or why the channel is gone.
func (a *acker) ack(tag uint64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.usable(); err != nil {
		return err
	}
	if tag == a.tags.prefix+1 {
		a.settled(tag)
		a.pending, a.count = max(a.pending, tag), a.count+1
		return a.written()
	}
	if len(a.deferred)+1 >= a.limit {
		// This one would make limit wait behind unsettled tags, which
		// may take as long as a handler: it goes out alone, now.
		return a.individually(tag, func() error { return a.ch.Ack(tag, false) })
	}
	i, _ := slices.BinarySearch(a.deferred, tag)
	a.deferred = slices.Insert(a.deferred, i, tag)
	a.tags.add(tag)
	return a.written()
}

// reject writes basic.reject for tag.
func (a *acker) reject(tag uint64, requeue bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.usable(); err != nil {
		return err
	}
	return a.individually(tag, func() error { return a.ch.Reject(tag, requeue) })
}

// nack writes basic.nack for tag alone.
func (a *acker) nack(tag uint64, requeue bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.usable(); err != nil {
		return err
	}
	return a.individually(tag, func() error { return a.ch.Nack(tag, false, requeue) })
}

// usable is nil while settlements can be written. a.mu must be held.
func (a *acker) usable() error {
	switch {
	case a.err != nil:
		return a.err
	case a.closed:
		return errAckerClosed
	}
	return nil
}

// settled marks tag, which is tags.prefix+1, settled, and moves the
// deferred acknowledgements the prefix now reaches to pending. a.mu must
// be held.
func (a *acker) settled(tag uint64) {
	a.tags.add(tag)
	n := 0
	for n < len(a.deferred) && a.deferred[n] <= a.tags.prefix {
		n++
	}
	if n > 0 {
		a.pending = max(a.pending, a.deferred[n-1])
		a.count += n
		a.deferred = slices.Delete(a.deferred, 0, n)
	}
}

// individually writes a frame that settles tag alone, then marks tag
// settled (so that a multiple ack covering tag is written after it). a.mu
// must be held; it is released during the write.
func (a *acker) individually(tag uint64, write func() error) error {
	a.writers++
	a.mu.Unlock()
	err := write()
	a.mu.Lock()
	a.writerDone()
	if err != nil {
		a.fail(err)
		return a.err
	}
	if tag != a.tags.prefix+1 {
		a.tags.add(tag)
		return nil
	}
	// Deferred acknowledgements the prefix now reaches become pending: as
	// many wait as before (fewer than limit), so only the timer is due.
	a.settled(tag)
	a.schedule()
	return nil
}

// written decides when what waits is written, after a settlement was
// recorded: now when limit acknowledgements wait, else by the timer. It
// returns the error of the first frame written here, which carries the
// caller's acknowledgement. a.mu must be held.
func (a *acker) written() error {
	if !a.flushing && a.count > 0 && a.count+len(a.deferred) >= a.limit {
		return a.flush()
	}
	a.schedule()
	return nil
}

// schedule arms the timer if something waits unwritten and the timer is
// not running. a.mu must be held.
func (a *acker) schedule() {
	if !a.armed && !a.closed && a.count+len(a.deferred) > 0 {
		a.armed = true
		a.timer.Reset(a.delay)
	}
}

// expire runs on the timer: everything waiting is written, by this
// goroutine or by the flush running already.
func (a *acker) expire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.armed = false
	if a.usable() != nil {
		return
	}
	a.urgent = true
	if !a.flushing {
		_ = a.flush()
	}
}

// flush writes what waits (see writeWaiting) as the only flusher. a.mu
// must be held and no flush running. It returns the first frame's error.
func (a *acker) flush() error {
	a.flushing = true
	a.writers++
	err := a.writeWaiting()
	a.flushing = false
	a.writerDone()
	a.schedule()
	return err
}

// writeWaiting writes frames while there is work: pending as one frame
// (a multiple ack unless it stands for one acknowledgement), and, when
// urgent, each deferred acknowledgement alone. What is recorded during a
// write goes out with the next frame. It returns the first frame's error.
// a.mu must be held by the flusher; it is released during each write.
func (a *acker) writeWaiting() error {
	var first error
	for frames := 0; a.err == nil; frames++ {
		var tag uint64
		multiple := false
		switch {
		case a.pending != 0:
			tag, multiple = a.pending, a.count > 1
			a.pending, a.count = 0, 0
		case a.urgent && len(a.deferred) > 0:
			tag = a.deferred[0]
			a.deferred = slices.Delete(a.deferred, 0, 1)
		}
		if tag == 0 {
			break
		}
		a.mu.Unlock()
		err := a.ch.Ack(tag, multiple)
		a.mu.Lock()
		if err != nil {
			a.fail(err)
			if frames == 0 {
				first = a.err
			}
		}
	}
	a.urgent = false
	return first
}

// fail records the first write error. a.mu must be held.
func (a *acker) fail(err error) {
	if a.err == nil {
		a.err = fmt.Errorf("rabbit: settle on the consumer channel: %w", err)
	}
}

// writerDone counts a writer out. a.mu must be held.
func (a *acker) writerDone() {
	a.writers--
	if a.writers == 0 && a.drained != nil {
		close(a.drained)
		a.drained = nil
	}
}

// close refuses further settlements (they return errAckerClosed), writes
// everything that waits, and waits at most wait for the frames being
// written, so that closing the channel next does not cut them off. On a
// channel that is gone already the writes fail at once.
func (a *acker) close(wait time.Duration) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed, a.urgent = true, true
	a.timer.Stop()
	a.armed = false
	if !a.flushing && a.err == nil && a.count+len(a.deferred) > 0 {
		// The flush runs on its own goroutine, so that a write stuck on
		// a dead connection cannot hold close past wait.
		a.flushing = true
		a.writers++
		go func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			_ = a.writeWaiting()
			a.flushing = false
			a.writerDone()
		}()
	}
	if a.writers == 0 {
		a.mu.Unlock()
		return
	}
	if a.drained == nil {
		a.drained = make(chan struct{})
	}
	drained := a.drained
	a.mu.Unlock()
	backoff.Await(drained, wait)
}
