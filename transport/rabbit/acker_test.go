package rabbit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frame is one settlement frame as the broker reads it.
type frame struct {
	op       string // ack, reject, nack
	tag      uint64
	multiple bool
}

// fakeBroker is an ackChannel that keeps the broker's side of one channel
// as RabbitMQ does: the delivered tags it still holds unacknowledged. A
// frame naming a tag it does not hold is what RabbitMQ answers with
// PRECONDITION_FAILED "unknown delivery tag" (closing the channel); the
// fake records it as a violation. So is a multiple ack that takes a tag
// the test has not acknowledged (one in a handler, or rejected).
type fakeBroker struct {
	mu   sync.Mutex
	held map[uint64]bool
	// intent, when the test sets it, is what each tag was settled with,
	// recorded before the acker is called.
	intent map[uint64]string
	frames []frame
	bad    []string
	// fail, once set, fails every write.
	fail error
	// gate, when set, makes writes wait until it is closed.
	gate chan struct{}
	// wrote, when set, receives every frame written.
	wrote chan frame
	// events lists the frames written, and what the test adds, in order.
	events []string
}

func newFakeBroker(delivered int) *fakeBroker {
	b := &fakeBroker{held: map[uint64]bool{}}
	for tag := 1; tag <= delivered; tag++ {
		b.held[uint64(tag)] = true
	}
	return b
}

func (b *fakeBroker) Ack(tag uint64, multiple bool) error {
	return b.write(frame{"ack", tag, multiple})
}

func (b *fakeBroker) Nack(tag uint64, multiple, requeue bool) error {
	if multiple {
		panic("the acker never nacks several tags")
	}
	return b.write(frame{"nack", tag, false})
}

func (b *fakeBroker) Reject(tag uint64, requeue bool) error {
	return b.write(frame{"reject", tag, false})
}

func (b *fakeBroker) write(f frame) error {
	b.mu.Lock()
	gate := b.gate
	b.mu.Unlock()
	if gate != nil {
		<-gate
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	b.frames = append(b.frames, f)
	b.events = append(b.events, fmt.Sprintf("%s %d", f.op, f.tag))
	if !b.held[f.tag] {
		b.bad = append(b.bad, fmt.Sprintf("%+v: unknown delivery tag %d", f, f.tag))
	}
	take := func(tag uint64) {
		if f.op == "ack" && b.intent != nil && b.intent[tag] != "ack" {
			b.bad = append(b.bad, fmt.Sprintf("%+v acknowledged tag %d, which was settled with %q", f, tag, b.intent[tag]))
		}
		delete(b.held, tag)
	}
	if f.multiple {
		for tag := range b.held {
			if tag <= f.tag {
				take(tag)
			}
		}
	} else if b.held[f.tag] {
		take(f.tag)
	}
	if b.wrote != nil {
		b.wrote <- f
	}
	return nil
}

func (b *fakeBroker) settleIntent(tag uint64, op string) {
	b.mu.Lock()
	if b.intent == nil {
		b.intent = map[uint64]string{}
	}
	b.intent[tag] = op
	b.mu.Unlock()
}

func (b *fakeBroker) snapshot() (frames []frame, held []uint64, bad []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for tag := range b.held {
		held = append(held, tag)
	}
	return append([]frame(nil), b.frames...), sortedTags(held), append([]string(nil), b.bad...)
}

func sortedTags(tags []uint64) []uint64 {
	out := slices.Clone(tags)
	slices.Sort(out)
	return out
}

// testAcker returns an acker on b for prefetch whose timer never goes off
// during the test (expire is called by hand instead), closed at cleanup.
func testAcker(t *testing.T, b *fakeBroker, prefetch int) *acker {
	t.Helper()
	a := newAcker(b, prefetch)
	a.delay = time.Hour
	t.Cleanup(func() { a.close(time.Second) })
	return a
}

func acks(tags ...uint64) []frame {
	fs := make([]frame, len(tags))
	for i, tag := range tags {
		fs[i] = frame{"ack", tag, false}
	}
	return fs
}

// TestAckerCoalescesInOrder: acknowledgements in tag order wait, and go
// out as one multiple ack for the highest tag.
func TestAckerCoalescesInOrder(t *testing.T) {
	b := newFakeBroker(12)
	a := testAcker(t, b, 100) // limit 50
	for tag := uint64(1); tag <= 10; tag++ {
		require.NoError(t, a.ack(tag))
	}
	frames, _, _ := b.snapshot()
	assert.Empty(t, frames, "below the limit, nothing is written before the timer")
	a.close(time.Second)
	frames, held, bad := b.snapshot()
	assert.Equal(t, []frame{{"ack", 10, true}}, frames)
	assert.Equal(t, []uint64{11, 12}, held, "the unsettled tags are not covered")
	assert.Empty(t, bad)
	assert.ErrorIs(t, a.ack(11), amqp.ErrClosed, "a closed acker refuses settlements")
	assert.ErrorIs(t, a.reject(11, true), amqp.ErrClosed)
	assert.ErrorIs(t, a.nack(12, true), amqp.ErrClosed)
}

// TestAckerWritesAtLimit: the settle that makes limit acknowledgements
// wait writes them before it returns; a lone acknowledgement goes out
// with multiple=false.
func TestAckerWritesAtLimit(t *testing.T) {
	b := newFakeBroker(8)
	a := testAcker(t, b, 8) // limit 4
	for tag := uint64(1); tag <= 3; tag++ {
		require.NoError(t, a.ack(tag))
	}
	frames, _, _ := b.snapshot()
	require.Empty(t, frames)
	require.NoError(t, a.ack(4))
	frames, held, _ := b.snapshot()
	assert.Equal(t, []frame{{"ack", 4, true}}, frames, "written by the fourth Ack, before it returned")
	assert.Equal(t, []uint64{5, 6, 7, 8}, held)

	require.NoError(t, a.ack(5))
	a.expire()
	frames, _, bad := b.snapshot()
	assert.Equal(t, []frame{{"ack", 4, true}, {"ack", 5, false}}, frames)
	assert.Empty(t, bad)
}

// TestAckerLimitOne: with a prefetch below 4 nothing waits: every
// acknowledgement is written by its own call, as without an acker.
func TestAckerLimitOne(t *testing.T) {
	b := newFakeBroker(3)
	a := testAcker(t, b, 2)
	require.NoError(t, a.ack(1))
	require.NoError(t, a.ack(3))
	require.NoError(t, a.ack(2))
	frames, held, bad := b.snapshot()
	assert.Equal(t, acks(1, 3, 2), frames)
	assert.Empty(t, held)
	assert.Empty(t, bad)
}

// TestAckerOutOfOrder: acknowledgements above an unsettled tag are
// deferred; when the tag settles they join the coalesced frame, and what
// is still above a gap when the timer goes off is written tag by tag.
// Unsettled tags are never covered.
func TestAckerOutOfOrder(t *testing.T) {
	b := newFakeBroker(6)
	a := testAcker(t, b, 100)
	for _, tag := range []uint64{3, 5, 2} {
		require.NoError(t, a.ack(tag))
	}
	require.NoError(t, a.ack(1))
	frames, _, _ := b.snapshot()
	require.Empty(t, frames)
	a.expire()
	frames, held, bad := b.snapshot()
	assert.Equal(t, []frame{{"ack", 3, true}, {"ack", 5, false}}, frames,
		"1..3 in one frame; 5 is above the unsettled 4, so alone")
	assert.Equal(t, []uint64{4, 6}, held)
	assert.Empty(t, bad)

	require.NoError(t, a.ack(4))
	a.close(time.Second)
	frames, held, bad = b.snapshot()
	assert.Equal(t, frame{"ack", 4, false}, frames[len(frames)-1], "4 alone: 5 was written already and must not be named again")
	assert.Equal(t, []uint64{6}, held)
	assert.Empty(t, bad)
}

// TestAckerRejectInTheMiddle: a reject or nack is written at once, before
// the multiple ack that spans its tag, and the multiple ack names the
// highest acknowledged tag, never a rejected one.
func TestAckerRejectInTheMiddle(t *testing.T) {
	t.Run("inside", func(t *testing.T) {
		b := newFakeBroker(5)
		a := testAcker(t, b, 100)
		require.NoError(t, a.ack(1))
		require.NoError(t, a.reject(2, true))
		frames, _, _ := b.snapshot()
		assert.Equal(t, []frame{{"reject", 2, false}}, frames, "the reject is written by its call")
		require.NoError(t, a.ack(3))
		require.NoError(t, a.ack(4))
		a.close(time.Second)
		frames, held, bad := b.snapshot()
		assert.Equal(t, []frame{{"reject", 2, false}, {"ack", 4, true}}, frames)
		assert.Equal(t, []uint64{5}, held)
		assert.Empty(t, bad)
	})
	t.Run("last", func(t *testing.T) {
		b := newFakeBroker(4)
		a := testAcker(t, b, 100)
		require.NoError(t, a.ack(1))
		require.NoError(t, a.ack(2))
		require.NoError(t, a.reject(3, false))
		a.close(time.Second)
		frames, held, bad := b.snapshot()
		assert.Equal(t, []frame{{"reject", 3, false}, {"ack", 2, true}}, frames, "the frame names 2, the highest acknowledgement, not the rejected 3")
		assert.Equal(t, []uint64{4}, held)
		assert.Empty(t, bad)
	})
	t.Run("nack fills the gap", func(t *testing.T) {
		b := newFakeBroker(4)
		a := testAcker(t, b, 100)
		require.NoError(t, a.ack(2))
		require.NoError(t, a.ack(3))
		require.NoError(t, a.nack(1, true))
		a.close(time.Second)
		frames, held, bad := b.snapshot()
		assert.Equal(t, []frame{{"nack", 1, false}, {"ack", 3, true}}, frames, "once 1 is given back, 2 and 3 go out together")
		assert.Equal(t, []uint64{4}, held)
		assert.Empty(t, bad)
	})
}

// TestAckerSlowLowTag: a handler holding tag 1 does not hold the others:
// limit acknowledgements wait behind it, later ones are written alone at
// once, and the timer writes the waiting ones alone. Tag 1 stays held
// until it is acknowledged itself. The settled set stays one run.
func TestAckerSlowLowTag(t *testing.T) {
	b := newFakeBroker(100)
	a := testAcker(t, b, 20) // limit 10: 9 may wait behind a gap
	for tag := uint64(2); tag <= 100; tag++ {
		require.NoError(t, a.ack(tag))
	}
	frames, held, bad := b.snapshot()
	var alone []uint64
	for tag := uint64(11); tag <= 100; tag++ {
		alone = append(alone, tag)
	}
	assert.Equal(t, acks(alone...), frames, "beyond the limit, each is written alone at once")
	assert.Len(t, held, 10, "tag 1 and the nine waiting behind it")
	assert.Empty(t, bad)
	a.mu.Lock()
	assert.Equal(t, []tagRun{{2, 100}}, a.tags.runs)
	a.mu.Unlock()

	a.expire()
	_, held, _ = b.snapshot()
	assert.Equal(t, []uint64{1}, held, "the timer wrote the waiting ones; the slow tag is untouched")

	require.NoError(t, a.ack(1))
	a.close(time.Second)
	frames, held, bad = b.snapshot()
	assert.Equal(t, frame{"ack", 1, false}, frames[len(frames)-1])
	assert.Empty(t, held)
	assert.Empty(t, bad)
}

// TestAckerTimer: what waits is written ackDelay later by the timer,
// with no further call.
func TestAckerTimer(t *testing.T) {
	b := newFakeBroker(3)
	b.wrote = make(chan frame, 10)
	a := newAcker(b, 100)
	t.Cleanup(func() { a.close(time.Second) })
	require.NoError(t, a.ack(1))
	require.NoError(t, a.ack(3))
	var got []frame
	for len(got) < 2 {
		select {
		case f := <-b.wrote:
			got = append(got, f)
		case <-time.After(10 * time.Second):
			t.Fatalf("the timer wrote %v only", got)
		}
	}
	assert.Equal(t, acks(1, 3), got)
	_, held, bad := b.snapshot()
	assert.Equal(t, []uint64{2}, held)
	assert.Empty(t, bad)
}

// TestAckerRecordsDuringAWrite: settlements recorded while a flush writes
// return at once and go out with the flush's next frame.
func TestAckerRecordsDuringAWrite(t *testing.T) {
	b := newFakeBroker(8)
	a := testAcker(t, b, 8) // limit 4
	for tag := uint64(1); tag <= 3; tag++ {
		require.NoError(t, a.ack(tag))
	}
	gate := make(chan struct{})
	b.mu.Lock()
	b.gate = gate
	b.mu.Unlock()
	flushed := make(chan error, 1)
	go func() { flushed <- a.ack(4) }()
	require.Eventually(t, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.flushing && a.pending == 0
	}, 10*time.Second, time.Millisecond, "the fourth Ack writes")
	require.NoError(t, a.ack(5), "does not wait for the write")
	require.NoError(t, a.ack(6))
	b.mu.Lock()
	b.gate = nil
	b.mu.Unlock()
	close(gate)
	require.NoError(t, <-flushed)
	frames, held, bad := b.snapshot()
	assert.Equal(t, []frame{{"ack", 4, true}, {"ack", 6, true}}, frames)
	assert.Equal(t, []uint64{7, 8}, held)
	assert.Empty(t, bad)
}

// TestAckerWriteError: the settle whose write fails gets the error, and
// so does every later one; what was waiting is not written.
func TestAckerWriteError(t *testing.T) {
	b := newFakeBroker(6)
	a := testAcker(t, b, 8) // limit 4
	for _, tag := range []uint64{1, 3, 2} {
		require.NoError(t, a.ack(tag))
	}
	b.mu.Lock()
	b.fail = amqp.ErrClosed
	b.mu.Unlock()
	assert.ErrorIs(t, a.ack(4), amqp.ErrClosed, "the write that carried it failed")
	assert.ErrorIs(t, a.ack(5), amqp.ErrClosed)
	assert.ErrorIs(t, a.reject(6, true), amqp.ErrClosed)
	a.close(time.Second)
	frames, _, _ := b.snapshot()
	assert.Empty(t, frames)
}

// TestAckerCloseWaits: close writes what waits and returns only when the
// frames being written are written; a write that never ends holds it at
// most its wait.
func TestAckerCloseWaits(t *testing.T) {
	b := newFakeBroker(4)
	a := testAcker(t, b, 100)
	require.NoError(t, a.ack(1))
	require.NoError(t, a.ack(3))
	gate := make(chan struct{})
	b.mu.Lock()
	b.gate = gate
	b.mu.Unlock()
	closed := make(chan struct{})
	go func() {
		a.close(time.Minute)
		b.mu.Lock()
		b.events = append(b.events, "closed")
		b.mu.Unlock()
		close(closed)
	}()
	require.Eventually(t, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.drained != nil
	}, 10*time.Second, time.Millisecond, "close waits for the flush")
	select {
	case <-closed:
		t.Fatal("close returned while a write was under way")
	default:
	}
	close(gate)
	<-closed
	assert.Equal(t, []string{"ack 1", "ack 3", "closed"}, b.events)

	stuck := newFakeBroker(1)
	stuck.gate = make(chan struct{})
	defer close(stuck.gate)
	s := newAcker(stuck, 100)
	s.delay = time.Hour
	require.NoError(t, s.ack(1))
	done := make(chan struct{})
	go func() { s.close(10 * time.Millisecond); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("close did not give up on a stuck write")
	}
}

// TestAckerConcurrentSettles settles tags from many goroutines in random
// order and ways (ack, reject, nack, or left unsettled), with the real
// timer: no frame names a tag the broker does not hold, no multiple ack
// takes a tag that was not acknowledged, and at the end the broker holds
// exactly the tags left unsettled.
func TestAckerConcurrentSettles(t *testing.T) {
	const n = 3000
	for _, prefetch := range []int{1, 8, 128} {
		t.Run(fmt.Sprint("prefetch_", prefetch), func(t *testing.T) {
			b := newFakeBroker(n)
			a := newAcker(b, prefetch)
			r := rand.New(rand.NewPCG(uint64(prefetch), 7))
			order := r.Perm(n)
			ops := make([]string, n+1)
			var left []uint64
			for tag := 1; tag <= n; tag++ {
				switch p := r.IntN(100); {
				case p < 80:
					ops[tag] = "ack"
				case p < 90:
					ops[tag] = "reject"
				case p < 95:
					ops[tag] = "nack"
				default:
					left = append(left, uint64(tag))
				}
			}
			work := make(chan uint64)
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					for tag := range work {
						op := ops[tag]
						b.settleIntent(tag, op)
						var err error
						switch op {
						case "ack":
							err = a.ack(tag)
						case "reject":
							err = a.reject(tag, false)
						case "nack":
							err = a.nack(tag, true)
						}
						assert.NoError(t, err, "%s %d", op, tag)
					}
				})
			}
			for _, k := range order {
				if ops[k+1] != "" {
					work <- uint64(k + 1)
				}
			}
			close(work)
			wg.Wait()
			a.close(10 * time.Second)
			_, held, bad := b.snapshot()
			assert.Empty(t, bad)
			assert.Equal(t, sortedTags(left), held)
		})
	}
}
