package driverkit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHandoff: every pushed delivery is taken exactly once, in order for
// a single taker, by many takers at once, and close wakes those waiting.
// item stands for a driver's delivery.
type item struct{ seq uint64 }

func TestHandoff(t *testing.T) {
	h := NewHandoff[item](4)
	done := make(chan struct{})
	ds := make([]*item, 100)
	for i := range ds {
		ds[i] = &item{seq: uint64(i)}
	}
	for _, d := range ds[:10] {
		h.Push(d)
	}
	for i := range 10 {
		d, err := h.Take(t.Context(), done)
		require.NoError(t, err)
		assert.Equal(t, uint64(i), d.seq, "FIFO")
	}

	var mu sync.Mutex
	got := map[uint64]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				d, err := h.Take(t.Context(), done)
				if err != nil || d == nil {
					return
				}
				mu.Lock()
				got[d.seq]++
				mu.Unlock()
			}
		})
	}
	for _, d := range ds[10:] {
		h.Push(d)
		if d.seq%7 == 0 {
			time.Sleep(time.Millisecond) // pacing: let takers park between bursts
		}
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 90
	}, 5*time.Second, time.Millisecond)
	close(done)
	assert.Empty(t, h.Close())
	wg.Wait()
	for seq, n := range got {
		assert.Equal(t, 1, n, "delivery %d taken once", seq)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	h2 := NewHandoff[item](1)
	d, err := h2.Take(ctx, make(chan struct{}))
	assert.Nil(t, d)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
