package nats

import (
	"context"
	"sync"
)

// slots is a listener's prefetch budget: ListenConfig.Prefetch tokens,
// one per message requested from the server (a pull request reserves its
// batch), buffered or handed out and not yet settled. It is what bounds a
// listener to Prefetch outstanding deliveries across all its consumers.
//
// Waiters are served first come, first served, each with at least its
// minimum; a waiter takes no more than leaves one token for each waiter
// behind it, so an idle consumer's long poll is not starved by a busy
// one's large batches.
type slots struct {
	mu      sync.Mutex
	free    int
	waiters []*slotWaiter
}

type slotWaiter struct {
	min, max int
	grant    chan int // buffered: receives the tokens granted
}

func newSlots(n int) *slots { return &slots{free: n} }

// acquire blocks until at least lo tokens are free (and it is this
// waiter's turn), then takes up to hi of them. It returns the number
// taken, or ctx's error with nothing taken.
func (s *slots) acquire(ctx context.Context, lo, hi int) (int, error) {
	lo = max(lo, 1)
	hi = max(hi, lo)
	w := &slotWaiter{min: lo, max: hi, grant: make(chan int, 1)}
	s.mu.Lock()
	s.waiters = append(s.waiters, w)
	s.serveLocked()
	s.mu.Unlock()
	select {
	case n := <-w.grant:
		return n, nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		select {
		case n := <-w.grant: // granted as ctx ended: give it back
			s.free += n
			s.serveLocked()
		default:
			s.removeLocked(w)
		}
		return 0, ctx.Err()
	}
}

// release returns n tokens.
func (s *slots) release(n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	s.free += n
	s.serveLocked()
	s.mu.Unlock()
}

// relax lowers every waiter's minimum to one token and serves them: the
// listener has nothing buffered, so any request is worth making.
func (s *slots) relax() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.waiters {
		w.min = 1
	}
	s.serveLocked()
}

// contended reports whether some consumer is waiting for a token: the
// sign that long polls should be short so tokens circulate.
func (s *slots) contended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waiters) > 0
}

func (s *slots) serveLocked() {
	for i := 0; i < len(s.waiters) && s.free > 0; {
		w := s.waiters[i]
		if s.free < w.min {
			i++ // cannot be satisfied yet; do not block those behind
			continue
		}
		behind := len(s.waiters) - i - 1
		n := min(w.max, max(w.min, s.free-behind))
		s.free -= n
		w.grant <- n
		s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
	}
}

func (s *slots) removeLocked(w *slotWaiter) {
	for i, x := range s.waiters {
		if x == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return
		}
	}
}
