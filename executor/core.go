package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/sourcegraph/conc/panics"
	"go.uber.org/zap"
)

var errNilTask = errors.New("hark: executor: nil task")

// core is the executor both factories build; they differ in capacity and
// in how an admitted task is launched.
//
// Admission is a semaphore of capacity slots, acquired with a select on the
// Submit ctx and on Stop, so a full executor blocks Submit without ignoring
// either. The count of admitted tasks is kept under mu together with the
// stopped flag: a Submit that races Stop either is counted before Stop and
// is waited for, or sees stopped and returns ErrStopped; no task is lost
// and no counter is incremented after Stop started waiting.
type core struct {
	opts   options
	slots  chan struct{}
	launch launcher
	// workers is how many goroutines Pull starts.
	workers int

	runCtx    context.Context // the tasks' ctx; cancelled by a forced Stop
	cancelRun context.CancelFunc

	mu       sync.Mutex
	stopped  bool
	running  int
	stopping chan struct{} // closed by the first Stop
	drained  chan struct{} // closed when stopped and no task is running
	released chan struct{} // closed after launch.release returned
}

func newCore(capacity int, o options, l launcher) *core {
	runCtx, cancel := context.WithCancel(context.Background())
	return &core{
		opts:      o,
		slots:     make(chan struct{}, capacity),
		launch:    l,
		workers:   capacity,
		runCtx:    runCtx,
		cancelRun: cancel,
		stopping:  make(chan struct{}),
		drained:   make(chan struct{}),
		released:  make(chan struct{}),
	}
}

// Submit implements Executor.
func (c *core) Submit(ctx context.Context, task Task) error {
	if task == nil {
		return errNilTask
	}
	// Checked first so that a stopped executor answers ErrStopped even when
	// a slot is free (select picks at random among ready cases).
	select {
	case <-c.stopping:
		return fmt.Errorf("executor: submit: %w", ErrStopped)
	default:
	}
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("executor: submit: %w", ctx.Err())
	case <-c.stopping:
		return fmt.Errorf("executor: submit: %w", ErrStopped)
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		<-c.slots
		return fmt.Errorf("executor: submit: %w", ErrStopped)
	}
	c.running++
	c.mu.Unlock()
	c.launch.launch(func() {
		defer c.done()
		c.run(task)
	})
	return nil
}

var _ Puller = (*core)(nil)

// Run implements Puller: each worker counts as a running task until work
// returns false, so Stop waits for it.
func (c *core) Run(work func(ctx context.Context) bool) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.running += c.workers
	c.mu.Unlock()
	for range c.workers {
		go func() {
			defer c.exit()
			// more stays true when work panics: the worker goes on. One
			// closure per worker, not per call.
			more := true
			step := func(ctx context.Context) {
				more = true
				more = work(ctx)
			}
			for more {
				c.run(step)
			}
		}()
	}
}

// done frees the task's slot and, if it was the last task of a stopped
// executor, finishes the executor.
func (c *core) done() {
	<-c.slots
	c.exit()
}

// exit ends one running task or worker and, if it was the last of a
// stopped executor, finishes the executor.
func (c *core) exit() {
	c.mu.Lock()
	c.running--
	last := c.stopped && c.running == 0
	c.mu.Unlock()
	if last {
		c.finish()
	}
}

// finish runs once: when Stop finds nothing running, or when the last task
// of a stopped executor ends. The release runs on its own goroutine because
// finish may be called from a pool goroutine, and the pool's Wait waits for
// that very goroutine to exit.
func (c *core) finish() {
	close(c.drained)
	c.cancelRun()
	go func() {
		c.launch.release()
		close(c.released)
	}()
}

// run calls task under panics.Try, so a panic is reported instead of
// killing the process (conc would otherwise re-raise it only at Wait).
func (c *core) run(task Task) {
	rec := panics.Try(func() { task(c.runCtx) })
	if rec == nil {
		return
	}
	c.opts.logger.Error("executor: task panicked; recovered",
		zap.Any("panic", rec.Value),
		zap.ByteString("stack", rec.Stack))
	if c.opts.onPanic == nil {
		return
	}
	if hrec := panics.Try(func() { c.opts.onPanic(rec) }); hrec != nil {
		c.opts.logger.Error("executor: panic handler panicked; recovered",
			zap.Any("panic", hrec.Value),
			zap.ByteString("stack", hrec.Stack))
	}
}

// Stop implements Executor.
func (c *core) Stop(ctx context.Context) error {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.stopping)
		if c.running == 0 {
			c.finish()
		}
	}
	c.mu.Unlock()

	// Drained wins over an expired ctx: an idle executor stops cleanly even
	// when called with a context that is already done.
	select {
	case <-c.drained:
	default:
		select {
		case <-c.drained:
		case <-ctx.Done():
			c.cancelRun()
			c.mu.Lock()
			n := c.running
			c.mu.Unlock()
			return fmt.Errorf("executor: stop: %d task(s) still running, their context is cancelled: %w", n, ctx.Err())
		}
	}
	// Nothing runs any more, so the pool's goroutines exit at once; waiting
	// here without ctx keeps Stop's promise that it returns nil only when
	// every goroutine the executor started is gone.
	<-c.released
	return nil
}
