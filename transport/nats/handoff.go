package nats

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// handoff passes received deliveries to the goroutines calling Next (a
// listener's workers). A channel would do it, but a channel hands each
// delivery to the worker that has waited longest, waking a parked
// goroutine (and often an idle OS thread) for every delivery while 64
// workers wait, although the worker that has just finished one could take
// the next a few microseconds later: on a busy listener that costs more
// than the delivery's own work. So:
//
//   - one worker at a time, the one that finished last, spins for a short
//     while (yielding its thread) before it parks; deliveries that come
//     meanwhile are queued for it, and nobody is woken;
//   - otherwise a delivery goes to the worker that parked last (LIFO:
//     warm, and the others stay asleep), or is queued when all are busy;
//   - a worker that takes a delivery and leaves more queued wakes another.
//
// Its queue holds at most what the listener's budget let in.
type handoff struct {
	mu       sync.Mutex
	q        []*jsDelivery // FIFO: q[head:]
	head     int
	waiters  []*handoffWaiter // LIFO
	spinning bool
	closed   bool
	queued   atomic.Int32 // len(q)-head, read without the lock while spinning
	pool     sync.Pool
}

// handoffWaiter is one parked worker.
type handoffWaiter struct {
	ch chan *jsDelivery // buffered 1
}

// spinYields is how many times a worker with nothing to take yields its
// thread, checking for a delivery each time, before it parks: a few
// microseconds, about one delivery's gap on a busy listener.
const spinYields = 32

func newHandoff(capacity int) *handoff {
	h := &handoff{q: make([]*jsDelivery, 0, capacity)}
	h.pool.New = func() any { return &handoffWaiter{ch: make(chan *jsDelivery, 1)} }
	return h
}

// push hands d to a parked worker or queues it. It never blocks.
func (h *handoff) push(d *jsDelivery) {
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

func (h *handoff) enqueueLocked(d *jsDelivery) {
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
func (h *handoff) dequeueLocked() *jsDelivery {
	d := h.popLocked()
	if h.head < len(h.q) && len(h.waiters) > 0 && !h.spinning {
		h.popWaiterLocked().ch <- h.popLocked() // buffered: never blocks
	}
	return d
}

func (h *handoff) popLocked() *jsDelivery {
	d := h.q[h.head]
	h.q[h.head] = nil
	h.head++
	if h.head == len(h.q) {
		h.q, h.head = h.q[:0], 0
	}
	h.queued.Add(-1)
	return d
}

func (h *handoff) popWaiterLocked() *handoffWaiter {
	w := h.waiters[len(h.waiters)-1]
	h.waiters[len(h.waiters)-1] = nil
	h.waiters = h.waiters[:len(h.waiters)-1]
	return w
}

// take returns the next delivery; nil with ctx's error, or nil and nil
// when the handoff is closed (done).
func (h *handoff) take(ctx context.Context, done <-chan struct{}) (*jsDelivery, error) {
	h.mu.Lock()
	if h.head < len(h.q) {
		d := h.dequeueLocked()
		h.mu.Unlock()
		return d, nil
	}
	if h.closed {
		h.mu.Unlock()
		return nil, nil
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
		if h.head < len(h.q) {
			d := h.dequeueLocked()
			h.mu.Unlock()
			return d, nil
		}
		if h.closed {
			h.mu.Unlock()
			return nil, nil
		}
	}
	w := h.pool.Get().(*handoffWaiter)
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

// abandon takes w off the waiters, or returns what was handed to it.
func (h *handoff) abandon(w *handoffWaiter) *jsDelivery {
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

// close wakes every parked worker with nothing and returns what is
// queued; later pushes are queued, for drain.
func (h *handoff) close() []*jsDelivery {
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

// drain returns what is queued.
func (h *handoff) drain() []*jsDelivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.drainLocked()
}

func (h *handoff) drainLocked() []*jsDelivery {
	out := append([]*jsDelivery(nil), h.q[h.head:]...)
	clear(h.q)
	h.q, h.head = h.q[:0], 0
	h.queued.Store(0)
	return out
}
