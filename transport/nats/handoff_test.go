package nats

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
func TestHandoff(t *testing.T) {
	h := newHandoff(4)
	done := make(chan struct{})
	ds := make([]*jsDelivery, 100)
	for i := range ds {
		ds[i] = &jsDelivery{seq: uint64(i)}
	}
	for _, d := range ds[:10] {
		h.push(d)
	}
	for i := range 10 {
		d, err := h.take(context.Background(), done)
		require.NoError(t, err)
		assert.Equal(t, uint64(i), d.seq, "FIFO")
	}

	var mu sync.Mutex
	got := map[uint64]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				d, err := h.take(context.Background(), done)
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
		h.push(d)
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
	assert.Empty(t, h.close())
	wg.Wait()
	for seq, n := range got {
		assert.Equal(t, 1, n, "delivery %d taken once", seq)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	h2 := newHandoff(1)
	d, err := h2.take(ctx, make(chan struct{}))
	assert.Nil(t, d)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
