package driverkit

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

type closer struct {
	closed int
	err    error
}

func (c *closer) Close() error { c.closed++; return c.err }

func TestCloseAll(t *testing.T) {
	var s Listeners[*closer]
	a, b := &closer{}, &closer{err: errors.New("b: broken pipe")}
	require.True(t, s.Add(a))
	require.True(t, s.Add(b))

	first, err := CloseAll(&s)
	assert.True(t, first)
	assert.EqualError(t, err, "b: broken pipe")
	assert.Equal(t, 1, a.closed)
	assert.Equal(t, 1, b.closed)

	first, err = CloseAll(&s)
	assert.False(t, first, "a second close is a no-op")
	assert.NoError(t, err)
	assert.Equal(t, 1, a.closed, "each listener is closed once")
	assert.False(t, s.Add(&closer{}), "nothing is added after the close")
}
