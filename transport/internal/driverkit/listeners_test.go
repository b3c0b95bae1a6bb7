package driverkit

import (
	"slices"
	"testing"
)

func TestListenersAddRemoveClose(t *testing.T) {
	var s Listeners[int]
	if s.Closed() {
		t.Fatal("zero Listeners is closed")
	}
	for i := range 3 {
		if !s.Add(i) {
			t.Fatalf("Add(%d) on an open set = false", i)
		}
	}
	s.Remove(1)
	s.Remove(7) // not there: no-op
	if l, ok := s.Find(func(l int) bool { return l == 2 }); !ok || l != 2 {
		t.Fatalf("Find(2) = %d, %v", l, ok)
	}
	if _, ok := s.Find(func(l int) bool { return l == 1 }); ok {
		t.Fatal("Find found a removed listener")
	}
	ls, closed := s.Snapshot()
	slices.Sort(ls)
	if closed || !slices.Equal(ls, []int{0, 2}) {
		t.Fatalf("Snapshot = %v, %v; want [0 2], false", ls, closed)
	}
	ls, first := s.Close()
	slices.Sort(ls)
	if !first || !slices.Equal(ls, []int{0, 2}) {
		t.Fatalf("Close = %v, %v; want [0 2], true", ls, first)
	}
	if ls, first := s.Close(); first || ls != nil {
		t.Fatalf("second Close = %v, %v; want nil, false", ls, first)
	}
	if !s.Closed() {
		t.Fatal("Closed after Close = false")
	}
	if s.Add(5) {
		t.Fatal("Add after Close = true")
	}
	if _, closed := s.Snapshot(); !closed {
		t.Fatal("Snapshot after Close: closed = false")
	}
}
