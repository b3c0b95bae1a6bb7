package driverkit

import (
	"sync"

	"github.com/harkmq/hark/transport"
)

// Listeners is a transport's set of open listeners and whether the
// transport is closed, under one lock: a listener is added only while the
// transport is open, and Close hands back every listener exactly once.
// The zero value is an open, empty set. Its lock is taken before any
// listener's own lock (Find calls match under it), never after.
type Listeners[L comparable] struct {
	mu     sync.Mutex
	closed bool
	set    map[L]struct{}
}

// Add adds l and reports true, or reports false (adding nothing) when the
// set is closed.
func (s *Listeners[L]) Add(l L) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.set == nil {
		s.set = map[L]struct{}{}
	}
	s.set[l] = struct{}{}
	return true
}

// Remove removes l (a listener that closed by itself); removing one not
// in the set does nothing.
func (s *Listeners[L]) Remove(l L) {
	s.mu.Lock()
	delete(s.set, l)
	s.mu.Unlock()
}

// Closed reports whether Close has been called.
func (s *Listeners[L]) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Snapshot returns the listeners now in the set (in no order) and whether
// the set is closed, so the caller can call them without holding the lock.
func (s *Listeners[L]) Snapshot() (ls []L, closed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listLocked(), s.closed
}

// Find returns the first listener (in no order) match accepts, calling
// match under the set's lock.
func (s *Listeners[L]) Find(match func(L) bool) (L, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.set {
		if match(l) {
			return l, true
		}
	}
	var zero L
	return zero, false
}

// Close marks the set closed and returns its listeners for the caller to
// close; first is false (and ls nil) when it was already closed, so a
// transport's Close is idempotent.
func (s *Listeners[L]) Close() (ls []L, first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	s.closed = true
	return s.listLocked(), true
}

func (s *Listeners[L]) listLocked() []L {
	ls := make([]L, 0, len(s.set))
	for l := range s.set {
		ls = append(ls, l)
	}
	return ls
}

// CloseAll closes s (see Listeners.Close) and then each listener it held,
// returning their errors joined, and first: false when s was already
// closed, so that a transport's Close, which releases its own
// connections only when first, is idempotent.
func CloseAll[L interface {
	comparable
	Close() error
}](s *Listeners[L]) (first bool, err error) {
	ls, first := s.Close()
	var errs []error
	for _, l := range ls {
		errs = append(errs, l.Close())
	}
	return first, transport.JoinErrors(errs...)
}
