package driverkit

import (
	"fmt"

	"github.com/harkmq/hark/transport"
)

// State is where a delivery stands. Only an Active delivery may be
// settled or extended; every other state refuses, with the error Check
// builds. The zero value is Active. A State is not safe for concurrent
// use: the driver guards it with the lock that guards its delivery.
type State uint8

const (
	// Active: handed out or buffered, not settled yet.
	Active State = iota
	// Settling: a settle is under way (a dead-letter record or a requeued
	// copy being written); another settle is refused, and Abort makes the
	// delivery Active again if the step fails.
	Settling
	// Settled: Ack, Requeue or DeadLetter succeeded.
	Settled
	// Expired: the lease ran out, or the connection that delivered it
	// went; the broker redelivers the message.
	Expired
	// Released: the listener gave the message back (Stop, Close).
	Released
)

// Err is nil for an Active delivery; otherwise it is the sentinel that a
// settle or extend of it wraps: transport.ErrAlreadySettled (Settling,
// Settled), transport.ErrLeaseExpired (Expired) or transport.ErrClosed
// (Released).
func (s State) Err() error {
	switch s {
	case Active:
		return nil
	case Settling, Settled:
		return transport.ErrAlreadySettled
	case Expired:
		return transport.ErrLeaseExpired
	default:
		return transport.ErrClosed
	}
}

// Check returns nil for an Active delivery, else the error a settle or
// extend called op returns: "<driver>: <op>: <sentinel><detail>". detail
// is asked only then, for what became of the message (Expired,
// Released); it may return "".
func (s State) Check(driver, op string, detail func(State) string) error {
	err := s.Err()
	if err == nil {
		return nil
	}
	var more string
	if detail != nil && (s == Expired || s == Released) {
		more = detail(s)
	}
	return fmt.Errorf("%s: %s: %w%s", driver, op, err, more)
}

// Begin moves an Active delivery to Settling, so that a concurrent settle
// is refused while this one runs without the lock; for any other state it
// returns Check's error and changes nothing.
func (s *State) Begin(driver, op string, detail func(State) string) error {
	if err := s.Check(driver, op, detail); err != nil {
		return err
	}
	*s = Settling
	return nil
}

// Abort undoes Begin after a step failed before anything was settled, so
// that the caller may try again. It changes nothing unless s is Settling.
func (s *State) Abort() {
	if *s == Settling {
		*s = Active
	}
}
