package driverkit

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

// TestState: only an active delivery can be settled; every other state
// refuses with the sentinel callers branch on, and Begin settles at most
// once.
func TestState(t *testing.T) {
	detail := func(s State) string { return " (detail)" }
	for s, want := range map[State]error{
		Settling: transport.ErrAlreadySettled,
		Settled:  transport.ErrAlreadySettled,
		Expired:  transport.ErrLeaseExpired,
		Released: transport.ErrClosed,
	} {
		assert.ErrorIs(t, s.Err(), want, "state %d", s)
		err := s.Check("drv", "ack", detail)
		assert.ErrorIs(t, err, want, "state %d", s)
		if s == Expired || s == Released {
			assert.Equal(t, "drv: ack: "+want.Error()+" (detail)", err.Error())
		} else {
			assert.Equal(t, "drv: ack: "+want.Error(), err.Error(), "no detail for a settled delivery")
		}
	}
	var s State
	require.NoError(t, s.Err(), "the zero value is active")
	require.NoError(t, s.Check("drv", "ack", nil))

	require.NoError(t, s.Begin("drv", "ack", nil))
	assert.Equal(t, Settling, s)
	assert.ErrorIs(t, s.Begin("drv", "requeue", nil), transport.ErrAlreadySettled, "a second settle is refused")
	s.Abort()
	assert.Equal(t, Active, s, "abort makes it settleable again")
	require.NoError(t, s.Begin("drv", "ack", nil))
	s = Settled
	s.Abort()
	assert.Equal(t, Settled, s, "abort leaves a finished settle alone")
	assert.True(t, errors.Is(s.Begin("drv", "ack", nil), transport.ErrAlreadySettled))
}

// TestWake: signals collapse into one and never block.
func TestWake(t *testing.T) {
	w := NewWake()
	w.Signal()
	w.Signal() // collapses
	<-w
	select {
	case <-w:
		t.Fatal("two signals woke twice")
	default:
	}
	w.Signal()
	w.Clear()
	select {
	case <-w:
		t.Fatal("Clear left the signal")
	default:
	}
}
