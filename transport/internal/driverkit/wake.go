package driverkit

// Wake is a one-slot wake-up: Signal never blocks, and signals given while
// nobody waits collapse into one. It suits a listener that hands
// deliveries over one at a time to a single waiting Next (the others wait
// their turn), which looks for its delivery again after every wake-up.
type Wake chan struct{}

// NewWake returns a Wake with no signal pending.
func NewWake() Wake { return make(Wake, 1) }

// Signal wakes the waiter, or the next one to wait.
func (w Wake) Signal() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// Clear drops a pending signal, once the waiter has found what it was
// woken for by other means.
func (w Wake) Clear() {
	select {
	case <-w:
	default:
	}
}
