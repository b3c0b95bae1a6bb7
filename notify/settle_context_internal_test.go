package notify

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The clock is synctest's: the boundaries are checked to the nanosecond,
// and a busy machine cannot move them.
func TestSettleContexts_deadline_between_half_and_full_timeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 200 * time.Millisecond
		s := newSettleContexts(timeout)
		start := time.Now()
		first := s.get()
		d, ok := first.Deadline()
		require.True(t, ok, "a settlement is always bounded")
		assert.Equal(t, start.Add(timeout), d, "a new context gets the full timeout")

		time.Sleep(timeout / 2)
		assert.Same(t, first, s.get(), "reused while half the timeout is left")

		time.Sleep(time.Nanosecond)
		second := s.get()
		assert.NotSame(t, first, second, "replaced once less than half is left")
		d2, _ := second.Deadline()
		assert.Equal(t, time.Now().Add(timeout), d2, "the replacement gets the full timeout")
		assert.Same(t, second, s.get(), "and serves the next settlements")
		require.NoError(t, first.Err(), "the old context still runs for those using it")

		<-first.Done() // and ends at its own deadline
		assert.Equal(t, d, time.Now())
		assert.ErrorIs(t, first.Err(), context.DeadlineExceeded)
		assert.NoError(t, second.Err(), "the replacement outlives it")
	})
}
