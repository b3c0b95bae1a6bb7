package executor_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/executor"
)

// TestPooledNeverExceedsN runs in a synctest bubble: the tasks' sleeps
// end only once every goroutine is blocked, so all n workers are busy at
// once however slow the machine, and the peak is exactly n.
func TestPooledNeverExceedsN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 4
		e := executor.Pooled(n).New()
		var running, peak atomic.Int64
		var mu sync.Mutex
		var done atomic.Int64
		for range 200 {
			require.NoError(t, e.Submit(t.Context(), func(context.Context) {
				cur := running.Add(1)
				mu.Lock()
				if cur > peak.Load() {
					peak.Store(cur)
				}
				mu.Unlock()
				time.Sleep(100 * time.Microsecond)
				running.Add(-1)
				done.Add(1)
			}))
		}
		stop(t, e)
		assert.EqualValues(t, 200, done.Load(), "Stop waits for every accepted task")
		assert.EqualValues(t, n, peak.Load(), "n tasks run at once, never more")
	})
}

func TestPooledSubmitBlocksWhenFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 3
		e := executor.Pooled(n).New()
		release := make(chan struct{})
		var started sync.WaitGroup
		started.Add(n)
		for range n {
			// With free slots Submit returns as soon as the task is handed over.
			require.NoError(t, e.Submit(t.Context(), func(context.Context) {
				started.Done()
				<-release
			}))
		}
		started.Wait()

		const deadline = 20 * time.Millisecond
		ctx, cancel := context.WithTimeout(t.Context(), deadline)
		defer cancel()
		begin := time.Now()
		err := e.Submit(ctx, func(context.Context) { t.Error("ran while the pool was full") })
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, deadline, time.Since(begin), "Submit blocks while full, until its context ends")

		// A blocked Submit proceeds once a slot frees up.
		ran := make(chan struct{})
		errc := submitAsync(e, t.Context(), func(context.Context) { close(ran) })
		synctest.Wait()
		select {
		case err := <-errc:
			t.Fatalf("Submit returned %v while the pool was full", err)
		default:
		}
		close(release)
		require.NoError(t, <-errc)
		<-ran
		stop(t, e)
	})
}
