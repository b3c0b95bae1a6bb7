// Package ilist is an intrusive doubly linked list: elements carry their
// own links, so insert, remove and move are O(1) and allocate nothing,
// where container/list allocates an element per insert.
package ilist

// Links are the links an element of a List embeds. The zero value is in
// no list.
type Links[T any] struct {
	prev, next *T
}

// Next returns the element after this one, nil at the back.
func (l *Links[T]) Next() *T { return l.next }

// Elem is a pointer to an element type whose links Links returns.
type Elem[T any] interface {
	*T
	Links() *Links[T]
}

// List is a doubly linked list of elements of type T. The zero value is
// an empty list. It is not safe for concurrent use: its users guard it
// with their own lock.
type List[T any, P Elem[T]] struct {
	head, tail *T
	n          int
}

// Front returns the first element, nil when the list is empty.
func (l *List[T, P]) Front() *T { return l.head }

// Len returns the number of elements.
func (l *List[T, P]) Len() int { return l.n }

// Contains reports whether e is in l (e is in no other list).
func (l *List[T, P]) Contains(e P) bool {
	return P(l.head) == e || e.Links().prev != nil
}

// PushBack adds e, which must be in no list, at the back.
func (l *List[T, P]) PushBack(e P) {
	lk := e.Links()
	lk.prev, lk.next = l.tail, nil
	if l.tail != nil {
		P(l.tail).Links().next = (*T)(e)
	} else {
		l.head = (*T)(e)
	}
	l.tail = (*T)(e)
	l.n++
}

// PushFront adds e, which must be in no list, at the front.
func (l *List[T, P]) PushFront(e P) {
	lk := e.Links()
	lk.prev, lk.next = nil, l.head
	if l.head != nil {
		P(l.head).Links().prev = (*T)(e)
	} else {
		l.tail = (*T)(e)
	}
	l.head = (*T)(e)
	l.n++
}

// Remove takes e out of l and reports whether it was there; removing an
// element twice is harmless.
func (l *List[T, P]) Remove(e P) bool {
	if !l.Contains(e) {
		return false
	}
	lk := e.Links()
	if lk.prev != nil {
		P(lk.prev).Links().next = lk.next
	} else {
		l.head = lk.next
	}
	if lk.next != nil {
		P(lk.next).Links().prev = lk.prev
	} else {
		l.tail = lk.prev
	}
	lk.prev, lk.next = nil, nil
	l.n--
	return true
}

// MoveToBack moves e, which must be in l, to the back.
func (l *List[T, P]) MoveToBack(e P) {
	if P(l.tail) == e {
		return
	}
	l.Remove(e)
	l.PushBack(e)
}
