package executor_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sourcegraph/conc/panics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/executor"
)

// feed is work that runs n tasks made by mk, one per call, then ends.
func feed(n int, mk func(i int) executor.Task) func(context.Context) bool {
	var mu sync.Mutex
	i := 0
	return func(ctx context.Context) bool {
		mu.Lock()
		if i == n {
			mu.Unlock()
			return false
		}
		i++
		task := mk(i - 1)
		mu.Unlock()
		task(ctx)
		return true
	}
}

func TestPullBlockingRunsInOrderOneAtATime(t *testing.T) {
	e := executor.Blocking().New()
	var order []int
	var running, peak atomic.Int64
	e.(executor.Puller).Run(feed(200, func(i int) executor.Task {
		return func(context.Context) {
			n := running.Add(1)
			peak.Store(max(peak.Load(), n))
			order = append(order, i) // no lock: one worker (checked by -race)
			running.Add(-1)
		}
	}))
	stop(t, e)
	require.Len(t, order, 200)
	for i, v := range order {
		require.Equal(t, i, v)
	}
	assert.EqualValues(t, 1, peak.Load())
}

func TestPullPooledRunsUpToNAtOnce(t *testing.T) {
	const n = 4
	e := executor.Pooled(n).New()
	var (
		mu            sync.Mutex
		running, peak int
		done          atomic.Int64
		all           = make(chan struct{})
		release       = make(chan struct{})
	)
	e.(executor.Puller).Run(feed(n*10, func(int) executor.Task {
		return func(context.Context) {
			mu.Lock()
			running++
			peak = max(peak, running)
			if running == n && peak == n && done.Load() == 0 {
				close(all) // every worker is busy at once
			}
			mu.Unlock()
			<-release
			mu.Lock()
			running--
			mu.Unlock()
			done.Add(1)
		}
	}))
	<-all
	close(release)
	stop(t, e)
	assert.EqualValues(t, n*10, done.Load())
	assert.Equal(t, n, peak, "never more than n at once")
}

func TestPullForcedStopCancelsTasks(t *testing.T) {
	e := executor.Pooled(2).New()
	started := make(chan struct{}, 2)
	e.(executor.Puller).Run(feed(2, func(int) executor.Task {
		return func(ctx context.Context) {
			started <- struct{}{}
			<-ctx.Done()
		}
	}))
	<-started
	<-started
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, e.Stop(ctx), context.Canceled, "the deadline passed with tasks running")
	stop(t, e) // they saw the cancellation and ended
}

func TestPullRecoversPanics(t *testing.T) {
	var panicked atomic.Int64
	e := executor.Pooled(2).New(executor.WithPanicHandler(func(*panics.Recovered) { panicked.Add(1) }))
	var ran atomic.Int64
	e.(executor.Puller).Run(feed(10, func(i int) executor.Task {
		return func(context.Context) {
			if i%2 == 0 {
				panic("handler bug")
			}
			ran.Add(1)
		}
	}))
	stop(t, e)
	assert.EqualValues(t, 5, panicked.Load())
	assert.EqualValues(t, 5, ran.Load(), "the workers went on after each panic")
}

func TestPullOnStoppedExecutorStartsNothing(t *testing.T) {
	e := executor.Pooled(2).New()
	stop(t, e)
	called := false
	e.(executor.Puller).Run(func(context.Context) bool { called = true; return false })
	assert.False(t, called)
}
