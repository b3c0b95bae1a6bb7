package ilist_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/internal/ilist"
)

type item struct {
	v     int
	links ilist.Links[item]
}

func (i *item) Links() *ilist.Links[item] { return &i.links }

func values(l *ilist.List[item, *item]) []int {
	var vs []int
	for e := l.Front(); e != nil; e = e.links.Next() {
		vs = append(vs, e.v)
	}
	return vs
}

func TestList(t *testing.T) {
	var l ilist.List[item, *item]
	a, b, c, d := &item{v: 1}, &item{v: 2}, &item{v: 3}, &item{v: 4}
	assert.Nil(t, l.Front())
	assert.False(t, l.Contains(a))
	assert.False(t, l.Remove(a), "removing what is in no list does nothing")

	l.PushBack(a)
	l.PushBack(b)
	l.PushBack(c)
	l.PushFront(d)
	assert.Equal(t, []int{4, 1, 2, 3}, values(&l))
	assert.Equal(t, 4, l.Len())

	l.MoveToBack(a)
	assert.Equal(t, []int{4, 2, 3, 1}, values(&l))
	l.MoveToBack(a)
	assert.Equal(t, []int{4, 2, 3, 1}, values(&l), "moving the back element keeps the order")

	assert.True(t, l.Remove(d), "the front")
	assert.True(t, l.Remove(a), "the back")
	assert.False(t, l.Remove(a), "a second remove")
	assert.True(t, l.Remove(c), "the middle")
	assert.Equal(t, []int{2}, values(&l))
	assert.Equal(t, 1, l.Len())
	assert.True(t, l.Contains(b))
	assert.True(t, l.Remove(b))
	assert.Nil(t, l.Front())
	assert.Zero(t, l.Len())

	l.PushBack(c)
	assert.Equal(t, []int{3}, values(&l), "an element can go back in after its removal")
}
