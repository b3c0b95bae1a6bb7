package executor_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sourcegraph/conc/panics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/executor"
)

const waitFor = 5 * time.Second

// factories are the built-in executors; behaviour common to both is tested
// on each.
func factories() map[string]executor.Factory {
	return map[string]executor.Factory{
		"blocking": executor.Blocking(),
		"pooled":   executor.Pooled(4),
	}
}

// stop stops e and requires a clean stop.
func stop(t *testing.T, e executor.Executor) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	require.NoError(t, e.Stop(ctx))
}

// submitAsync calls Submit on its own goroutine, since a blocking
// executor's Submit returns only after the task ran.
func submitAsync(e executor.Executor, ctx context.Context, task executor.Task) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- e.Submit(ctx, task) }()
	return errc
}

func TestFactoryNamesAndWorkers(t *testing.T) {
	assert.Equal(t, "blocking", executor.Blocking().Name())
	assert.Equal(t, 1, executor.Blocking().Workers())
	assert.Equal(t, "pooled", executor.Pooled(8).Name())
	assert.Equal(t, 8, executor.Pooled(8).Workers())
	assert.Equal(t, 1, executor.Pooled(0).Workers(), "n < 1 is taken as 1")
	assert.Equal(t, 1, executor.Pooled(-3).Workers(), "n < 1 is taken as 1")
}

func TestPanicBecomesReportAndExecutorKeepsWorking(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			core, logs := observer.New(zap.ErrorLevel)
			var mu sync.Mutex
			var reports []*panics.Recovered
			e := f.New(
				executor.WithLogger(zap.New(core)),
				executor.WithPanicHandler(func(r *panics.Recovered) {
					mu.Lock()
					defer mu.Unlock()
					reports = append(reports, r)
				}))
			defer stop(t, e)

			require.NoError(t, e.Submit(t.Context(), func(context.Context) { panic("boom") }))
			ran := make(chan struct{})
			require.NoError(t, e.Submit(t.Context(), func(context.Context) { close(ran) }))
			select {
			case <-ran:
			case <-time.After(waitFor):
				t.Fatal("the task after the panic did not run")
			}
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(reports) == 1
			}, waitFor, time.Millisecond)
			mu.Lock()
			assert.Equal(t, "boom", reports[0].Value)
			assert.NotEmpty(t, reports[0].Stack)
			mu.Unlock()

			require.Eventually(t, func() bool { return logs.Len() == 1 }, waitFor, time.Millisecond)
			entry := logs.All()[0]
			assert.Contains(t, entry.Message, "panicked")
			assert.Equal(t, "boom", entry.ContextMap()["panic"])
			assert.Contains(t, entry.ContextMap()["stack"], "executor_test")
		})
	}
}

func TestPanicInPanicHandlerIsRecovered(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			core, logs := observer.New(zap.ErrorLevel)
			e := f.New(executor.WithLogger(zap.New(core)),
				executor.WithPanicHandler(func(*panics.Recovered) { panic("handler boom") }))
			require.NoError(t, e.Submit(t.Context(), func(context.Context) { panic("boom") }))
			stop(t, e)
			assert.Equal(t, 2, logs.Len(), "the task panic and the handler panic are logged")
		})
	}
}

// The tests that wait for something not to happen, or for a deadline,
// run in a synctest bubble: synctest.Wait returns once every goroutine of
// the executor is blocked, so "Stop has not returned" is checked when
// nothing else can happen, not after a guessed pause, and deadlines are
// exact on the bubble's clock.

func TestStopWaitsForInFlight(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := f.New()
				started := make(chan struct{})
				release := make(chan struct{})
				var finished atomic.Bool
				var ctxErrDuringStop atomic.Value
				errc := submitAsync(e, t.Context(), func(ctx context.Context) {
					close(started)
					<-release
					ctxErrDuringStop.Store(ctx.Err() == nil)
					finished.Store(true)
				})
				<-started

				stopped := make(chan error, 1)
				go func() { stopped <- e.Stop(t.Context()) }()
				synctest.Wait()
				select {
				case err := <-stopped:
					t.Fatalf("Stop returned %v while a task was running", err)
				default:
				}
				close(release)
				select {
				case err := <-stopped:
					require.NoError(t, err)
				case <-time.After(waitFor):
					t.Fatal("Stop did not return after the task finished")
				}
				assert.True(t, finished.Load(), "Stop returned before the task finished")
				assert.Equal(t, true, ctxErrDuringStop.Load(), "the task context stays live during a graceful stop")
				require.NoError(t, <-errc)
			})
		})
	}
}

func TestStopWithExpiredContextCancelsTasks(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := f.New()
				started := make(chan struct{})
				cancelled := make(chan struct{})
				errc := submitAsync(e, t.Context(), func(ctx context.Context) {
					close(started)
					<-ctx.Done()
					close(cancelled)
				})
				<-started

				const deadline = 10 * time.Millisecond
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				defer cancel()
				begin := time.Now()
				err := e.Stop(ctx)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, deadline, time.Since(begin), "Stop returns at its deadline, not later")
				select {
				case <-cancelled:
				case <-time.After(waitFor):
					t.Fatal("the task context was not cancelled")
				}
				require.NoError(t, <-errc)
				// The task has ended; a second Stop now completes cleanly
				// (idempotent) and releases the executor's goroutines.
				stop(t, e)
			})
		})
	}
}

func TestStopIdleWithExpiredContextSucceeds(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			e := f.New()
			require.NoError(t, e.Submit(t.Context(), func(context.Context) {}))
			// Let the pooled task finish.
			require.Eventually(t, func() bool {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return e.Stop(ctx) == nil
			}, waitFor, time.Millisecond)
		})
	}
}

func TestSubmitAfterStop(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			e := f.New()
			stop(t, e)
			var ran atomic.Bool
			err := e.Submit(t.Context(), func(context.Context) { ran.Store(true) })
			require.ErrorIs(t, err, executor.ErrStopped)
			assert.False(t, ran.Load())
			stop(t, e) // idempotent
		})
	}
}

func TestSubmitWithDoneContext(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := f.New()
				defer stop(t, e)
				release := make(chan struct{})
				var running atomic.Int64
				n := f.Workers()
				for range n {
					_ = submitAsync(e, t.Context(), func(context.Context) {
						running.Add(1)
						<-release
					})
				}
				synctest.Wait() // every slot is held
				require.EqualValues(t, n, running.Load())
				// One more Submit blocks until its ctx expires.
				const deadline = 20 * time.Millisecond
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				defer cancel()
				begin := time.Now()
				err := e.Submit(ctx, func(context.Context) { t.Error("ran on a full executor") })
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, deadline, time.Since(begin), "Submit waited for a slot until its context ended")
				close(release)
			})
		})
	}
}

func TestSubmitBlockedIsReleasedByStop(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := f.New()
				release := make(chan struct{})
				for range f.Workers() {
					_ = submitAsync(e, t.Context(), func(context.Context) { <-release })
				}
				synctest.Wait() // every slot is held
				var ran atomic.Bool
				blocked := submitAsync(e, t.Context(), func(context.Context) { ran.Store(true) })
				synctest.Wait() // and this Submit waits for one
				stopped := make(chan error, 1)
				go func() { stopped <- e.Stop(t.Context()) }()
				select {
				case err := <-blocked:
					// Refused, never lost silently.
					require.ErrorIs(t, err, executor.ErrStopped)
				case <-time.After(waitFor):
					t.Fatal("a Submit blocked on a full executor was not released by Stop")
				}
				close(release)
				require.NoError(t, <-stopped)
				assert.False(t, ran.Load(), "a refused task ran")
			})
		})
	}
}

// TestSubmitRacingStop hammers Submit from many goroutines while Stop runs:
// every Submit either runs its task or returns ErrStopped.
func TestSubmitRacingStop(t *testing.T) {
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			for range 50 {
				e := f.New()
				var accepted, ran atomic.Int64
				var wg sync.WaitGroup
				for range 16 {
					wg.Go(func() {
						for range 20 {
							err := e.Submit(t.Context(), func(context.Context) { ran.Add(1) })
							if err == nil {
								accepted.Add(1)
							} else if !assert.ErrorIs(t, err, executor.ErrStopped) {
								return
							}
						}
					})
				}
				var sw sync.WaitGroup
				for range 3 {
					sw.Go(func() { assert.NoError(t, e.Stop(t.Context())) })
				}
				wg.Wait()
				sw.Wait()
				assert.Equal(t, accepted.Load(), ran.Load(), "an accepted task was lost")
			}
		})
	}
}

func TestSubmitNilTask(t *testing.T) {
	e := executor.Pooled(1).New()
	defer stop(t, e)
	require.Error(t, e.Submit(t.Context(), nil))
}

func TestFactoryMakesIndependentExecutors(t *testing.T) {
	// A listener takes a fresh executor on every Start; stopping one must
	// not affect the next.
	for name, f := range factories() {
		t.Run(name, func(t *testing.T) {
			first := f.New()
			stop(t, first)
			second := f.New()
			defer stop(t, second)
			done := make(chan struct{})
			require.NoError(t, second.Submit(t.Context(), func(context.Context) { close(done) }))
			<-done
		})
	}
}
