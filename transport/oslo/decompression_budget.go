package oslo

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/semaphore"

	"github.com/harkmq/hark/transport"
)

// DefaultDecompressionBudget is the decompression memory a listener may
// hold at once when it is given no budget of its own: room for one body
// of up to MaxDecompressedSize at a time (one decompression of more than
// a MiB), or for over a hundred ordinary notifications side by side.
const DefaultDecompressionBudget = MinDecompressionBudget

// smallReservation is what a decompression reserves first: enough for any
// ordinary notification, so most decompressions run side by side and only
// large ones wait for room.
const smallReservation = 1 << 20

// DecompressionBudget bounds the memory that the decompressions sharing it
// hold at once (output buffers and LZMA dictionaries), whatever the number
// of messages decoded concurrently: a decompression that would go beyond
// it waits until others finish. Each message is still limited to
// MaxDecompressedSize on its own. One budget may be shared by any number
// of listeners (harkd shares one across its whole process); it is safe
// for concurrent use.
type DecompressionBudget struct {
	sem  *semaphore.Weighted
	size int64
}

// NewDecompressionBudget returns a budget of size bytes. size must be at
// least MinDecompressionBudget, so that the largest body allowed can
// always be decompressed.
func NewDecompressionBudget(size int64) (*DecompressionBudget, error) {
	if size < MinDecompressionBudget {
		return nil, fmt.Errorf("decompression budget of %d bytes is below the minimum %d (%d MiB): the largest body allowed could never be decompressed",
			size, int64(MinDecompressionBudget), int64(MinDecompressionBudget)>>20)
	}
	return &DecompressionBudget{sem: semaphore.NewWeighted(size), size: size}, nil
}

// MinDecompressionBudget is the smallest DecompressionBudget: what one
// body of MaxDecompressedSize can take at most (its chunks, plus the
// byte that shows it is too large, and then the body joined, or an LZMA
// dictionary as large).
const MinDecompressionBudget = 2*MaxDecompressedSize + 1

// DecodeNotification is the package's DecodeNotification with its
// decompression memory taken from b: when b is spent, it waits for
// room until ctx ends, and then fails with an error wrapping ctx.Err()
// (and not transport.ErrDecode: the message itself is not at fault).
func (b *DecompressionBudget) DecodeNotification(ctx context.Context, msg transport.Message) (*OsloMessage, error) {
	return decodeNotificationIn(ctx, msg, b)
}

// errBudgetWait is returned when ctx ends while a decompression waits for
// room in its budget.
var errBudgetWait = errors.New("waiting for decompression memory")

// reservation is one decompression's share of a budget. Its first grant
// is smallReservation; a decompression needing more gives that back and
// waits for its whole maximum at once, so no decompression ever waits
// while holding part of the budget and they cannot starve each other.
// The zero budget (nil) grants everything: only the per-message limit
// applies.
type reservation struct {
	ctx      context.Context
	budget   *DecompressionBudget
	max      int64 // the most this decompression can need (it may go beyond: see need)
	held     int64 // granted by the budget
	accounts int64 // memory allocated against held
}

// need makes room for n more bytes of allocation, waiting for the budget
// if needed. A decompression granted its maximum (or the whole budget)
// waits no more: it is counted as holding that much.
func (r *reservation) need(n int64) error {
	if r.budget == nil || r.accounts+n <= r.held || r.held >= min(r.max, r.budget.size) {
		r.accounts += n
		return nil
	}
	want := min(smallReservation, r.max)
	if r.held > 0 || r.accounts+n > want {
		want = r.max
	}
	want = min(want, r.budget.size)
	r.release()
	if err := r.budget.sem.Acquire(r.ctx, want); err != nil {
		return fmt.Errorf("%w (%d MiB): %w", errBudgetWait, want>>20, err)
	}
	r.held = want
	r.accounts += n
	return nil
}

// free records that n bytes accounted by need are garbage now.
func (r *reservation) free(n int64) { r.accounts -= n }

// release gives back what the budget granted.
func (r *reservation) release() {
	if r.held > 0 {
		r.budget.sem.Release(r.held)
		r.held = 0
	}
}
