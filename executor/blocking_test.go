package executor_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/executor"
)

func TestBlockingRunsInOrderOneAtATime(t *testing.T) {
	e := executor.Blocking().New()
	defer stop(t, e)
	var order []int
	var running, peak atomic.Int64
	for i := range 100 {
		err := e.Submit(t.Context(), func(context.Context) {
			n := running.Add(1)
			if n > peak.Load() {
				peak.Store(n)
			}
			order = append(order, i) // no lock: tasks never overlap (checked by -race)
			running.Add(-1)
		})
		require.NoError(t, err)
		// Inline: the task has run when Submit returns.
		assert.Len(t, order, i+1)
	}
	for i, v := range order {
		require.Equal(t, i, v)
	}
	assert.EqualValues(t, 1, peak.Load())
}

func TestBlockingConcurrentSubmittersNeverOverlap(t *testing.T) {
	e := executor.Blocking().New()
	defer stop(t, e)
	var running, peak atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				require.NoError(t, e.Submit(t.Context(), func(context.Context) {
					n := running.Add(1)
					mu.Lock()
					if n > peak.Load() {
						peak.Store(n)
					}
					mu.Unlock()
					running.Add(-1)
				}))
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, peak.Load())
}
