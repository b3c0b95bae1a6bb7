package memory

// ring is a double-ended FIFO on a circular buffer: O(1) push at either
// end and pop at the front. It shrinks once a large backlog has drained,
// so a burst does not pin its memory for the broker's life.
type ring[T any] struct {
	buf  []T
	head int
	n    int
}

const ringMin = 8

func (r *ring[T]) Len() int { return r.n }

// PushBack appends v at the tail.
func (r *ring[T]) PushBack(v T) {
	r.grow()
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

// PushFront puts v at the head.
func (r *ring[T]) PushFront(v T) {
	r.grow()
	r.head = (r.head - 1 + len(r.buf)) % len(r.buf)
	r.buf[r.head] = v
	r.n++
}

// PopFront removes and returns the head.
func (r *ring[T]) PopFront() (T, bool) {
	var zero T
	if r.n == 0 {
		return zero, false
	}
	v := r.buf[r.head]
	r.buf[r.head] = zero // drop the reference for the GC
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	if len(r.buf) > 4*ringMin && r.n < len(r.buf)/4 {
		r.resize(len(r.buf) / 2)
	}
	return v, true
}

// Clear drops every element.
func (r *ring[T]) Clear() { *r = ring[T]{} }

func (r *ring[T]) grow() {
	if r.n < len(r.buf) {
		return
	}
	r.resize(max(ringMin, 2*len(r.buf)))
}

func (r *ring[T]) resize(size int) {
	nb := make([]T, size)
	if r.n > 0 {
		if r.head+r.n <= len(r.buf) {
			copy(nb, r.buf[r.head:r.head+r.n])
		} else {
			k := copy(nb, r.buf[r.head:])
			copy(nb[k:], r.buf[:r.n-k])
		}
	}
	r.buf = nb
	r.head = 0
}
