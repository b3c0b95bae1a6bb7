package driverkit

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Handoff passes a listener's received deliveries (pointers to T) to the
// goroutines calling Next (a listener's workers). A channel would do it,
// but a channel hands each delivery to the worker that has waited
// longest, waking a parked goroutine (and often an idle OS thread) for
// every delivery while 64 workers wait, although the worker that has just
// finished one could take the next a few microseconds later: on a busy
// listener that costs more than the delivery's own work. So:
//
//   - one worker at a time, the one that finished last, spins for a short
//     while (yielding its thread) before it parks; deliveries that come
//     meanwhile are queued for it, and nobody is woken;
//   - otherwise a delivery goes to the worker that parked last (LIFO:
//     warm, and the others stay asleep), or is queued when all are busy;
//   - a worker that takes a delivery and leaves more queued wakes another.
//
// Deliveries are taken in the order they were pushed. The queue holds
// whatever the driver lets in: the driver bounds it (its prefetch
// budget). Its methods are safe for concurrent use.
type Handoff[T any] struct {
	mu       sync.Mutex
	q        []*T // FIFO: q[head:]
	head     int
	waiters  []*waiter[T] // LIFO
	spinning bool
	closed   bool
	queued   atomic.Int32 // len(q)-head, read without the lock while spinning
	pool     sync.Pool
}

// waiter is one parked worker.
type waiter[T any] struct {
	ch chan *T // buffered 1
}

// spinYields is how many times a worker with nothing to take yields its
// thread, checking for a delivery each time, before it parks: a few
// microseconds, about one delivery's gap on a busy listener.
const spinYields = 32

// NewHandoff returns an open Handoff whose queue starts with room for
// capacity deliveries (it grows if the driver lets more in).
func NewHandoff[T any](capacity int) *Handoff[T] {
	h := &Handoff[T]{q: make([]*T, 0, capacity)}
	h.pool.New = func() any { return &waiter[T]{ch: make(chan *T, 1)} }
	return h
}

// Push hands d (not nil) to a parked worker or queues it. It never
// blocks. After Close, d is queued for Drain.
func (h *Handoff[T]) Push(d *T) {
	h.mu.Lock()
	if h.spinning || len(h.waiters) == 0 || h.closed {
		h.enqueueLocked(d)
		h.mu.Unlock()
		return
	}
	w := h.popWaiterLocked()
	h.mu.Unlock()
	w.ch <- d
}

func (h *Handoff[T]) enqueueLocked(d *T) {
	if h.head > 0 && len(h.q) == cap(h.q) {
		n := copy(h.q, h.q[h.head:])
		clear(h.q[n:])
		h.q, h.head = h.q[:n], 0
	}
	h.q = append(h.q, d)
	h.queued.Add(1)
}

// dequeueLocked takes the oldest queued delivery; if more are queued and
// a worker is asleep, it hands it the next.
func (h *Handoff[T]) dequeueLocked() *T {
	d := h.popLocked()
	if h.head < len(h.q) && len(h.waiters) > 0 && !h.spinning {
		h.popWaiterLocked().ch <- h.popLocked() // buffered: never blocks
	}
	return d
}

func (h *Handoff[T]) popLocked() *T {
	d := h.q[h.head]
	h.q[h.head] = nil
	h.head++
	if h.head == len(h.q) {
		h.q, h.head = h.q[:0], 0
	}
	h.queued.Add(-1)
	return d
}

func (h *Handoff[T]) popWaiterLocked() *waiter[T] {
	w := h.waiters[len(h.waiters)-1]
	h.waiters[len(h.waiters)-1] = nil
	h.waiters = h.waiters[:len(h.waiters)-1]
	return w
}

// Take returns the next delivery, waiting for one; nil with ctx's error
// when ctx ends first, or nil and nil once the Handoff is closed (or done
// is closed). A delivery handed over as ctx ends is kept for the next
// taker, never lost.
func (h *Handoff[T]) Take(ctx context.Context, done <-chan struct{}) (*T, error) {
	h.mu.Lock()
	if d, ok := h.readyLocked(); ok {
		return d, nil
	}
	if !h.spinning {
		h.spinning = true
		h.mu.Unlock()
		for range spinYields {
			if h.queued.Load() > 0 {
				break
			}
			runtime.Gosched()
		}
		h.mu.Lock()
		h.spinning = false
		if d, ok := h.readyLocked(); ok {
			return d, nil
		}
	}
	w := h.pool.Get().(*waiter[T])
	h.waiters = append(h.waiters, w)
	h.mu.Unlock()
	select {
	case d := <-w.ch:
		h.pool.Put(w)
		return d, nil
	case <-done:
		return h.abandon(w), nil
	case <-ctx.Done():
		if d := h.abandon(w); d != nil {
			// Handed over as ctx ended: keep it for the next taker.
			h.mu.Lock()
			h.q = append(h.q, nil)
			copy(h.q[h.head+1:], h.q[h.head:])
			h.q[h.head] = d
			h.queued.Add(1)
			h.mu.Unlock()
		}
		return nil, ctx.Err()
	}
}

// readyLocked ends a Take without waiting when it can: with the oldest
// queued delivery, or with nil once the Handoff is closed; then it
// unlocks h.mu and reports true. Otherwise h.mu stays locked.
func (h *Handoff[T]) readyLocked() (*T, bool) {
	switch {
	case h.head < len(h.q):
		d := h.dequeueLocked()
		h.mu.Unlock()
		return d, true
	case h.closed:
		h.mu.Unlock()
		return nil, true
	}
	return nil, false
}

// abandon takes w off the waiters, or returns what was handed to it.
func (h *Handoff[T]) abandon(w *waiter[T]) *T {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.waiters {
		if x == w {
			h.waiters = append(h.waiters[:i], h.waiters[i+1:]...)
			h.pool.Put(w)
			return nil
		}
	}
	d := <-w.ch // handed over before we got the lock
	h.pool.Put(w)
	return d
}

// Close wakes every parked worker with nothing and returns what is
// queued, oldest first; later pushes are queued, for Drain. Take returns
// nil and nil once nothing is queued.
func (h *Handoff[T]) Close() []*T {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	ws := h.waiters
	h.waiters = nil
	for _, w := range ws {
		w.ch <- nil
	}
	return h.drainLocked()
}

// Drain returns what is queued, oldest first, and empties the queue.
func (h *Handoff[T]) Drain() []*T {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.drainLocked()
}

func (h *Handoff[T]) drainLocked() []*T {
	out := append([]*T(nil), h.q[h.head:]...)
	clear(h.q)
	h.q, h.head = h.q[:0], 0
	h.queued.Store(0)
	return out
}
