package notify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSettleContexts_deadline_between_half_and_full_timeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	s := newSettleContexts(timeout)
	first := s.get()
	d, ok := first.Deadline()
	require.True(t, ok, "a settlement is always bounded")
	assert.WithinDuration(t, time.Now().Add(timeout), d, 50*time.Millisecond)
	assert.Same(t, first, s.get(), "reused while more than half the timeout is left")

	time.Sleep(timeout/2 + 20*time.Millisecond)
	second := s.get()
	assert.NotSame(t, first, second, "replaced once less than half is left")
	d2, _ := second.Deadline()
	assert.GreaterOrEqual(t, time.Until(d2), timeout/2)
	require.NoError(t, first.Err(), "the old context still runs for those using it")
	<-first.Done() // and ends at its own deadline
}
