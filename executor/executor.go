// Package executor runs notification handlers: Blocking runs one at a time
// in submission order; Pooled runs up to n at once on a sourcegraph/conc
// pool, and Submit blocks while all n are busy (back-pressure reaches the
// transport's prefetch and from there the broker).
package executor

import "context"

// Task is one unit of work. ctx is the executor's run context: it stays
// live while the executor stops gracefully and is cancelled only when Stop's
// context runs out, so a handler can abandon work on a forced shutdown.
type Task func(ctx context.Context)

// Executor runs tasks. Safe for concurrent use.
type Executor interface {
	// Submit hands task to the executor. It blocks while the executor is at
	// capacity, until ctx is done (returning ctx.Err()), or until Stop was
	// called (returning an error wrapping ErrStopped). A task that panics
	// is recovered and reported; it never takes the process down.
	Submit(ctx context.Context, task Task) error

	// Stop refuses new tasks and waits for running ones. If ctx is done
	// first, the tasks' context is cancelled and Stop returns an error
	// wrapping ctx.Err(); tasks may still be running then. Idempotent.
	Stop(ctx context.Context) error
}

// Factory makes executors: a listener gets a fresh one on every Start, so a
// stopped listener can be started again.
type Factory interface {
	// New returns a new executor.
	New(opts ...Option) Executor
	// Name is "blocking" or "pooled" (or a custom factory's name).
	Name() string
	// Workers is how many tasks run at once.
	Workers() int
}
