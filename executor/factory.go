package executor

import "github.com/sourcegraph/conc/pool"

// Names of the built-in executors, as ByName and Factory.Name spell them.
const (
	NameBlocking = "blocking"
	NamePooled   = "pooled"
)

// Blocking returns the factory of blocking executors (oslo's "blocking"
// executor): tasks run one at a time, in submission order, inline on the
// goroutine that calls Submit, so Submit returns only after the task has
// run. Back-pressure is inherent: while one task runs, other Submit calls
// wait (honouring their ctx). Workers is 1. A task must not Submit to its
// own blocking executor: it would wait for itself.
func Blocking() Factory { return blockingFactory{} }

// Pooled returns the factory of pooled executors (oslo's "threading"
// executor): up to n tasks run at once, each on a goroutine of a
// sourcegraph/conc pool made per executor (conc v0.3.0 pools are
// single-use, which matches one executor per listener start). Submit blocks
// while n tasks run, until one finishes, its ctx is done, or Stop is called;
// it returns as soon as the task has been handed to a goroutine. An n below
// 1 is taken as 1, so a zero value from config still yields a working
// executor (config validation is the place to reject it).
func Pooled(n int) Factory { return pooledFactory{n: max(n, 1)} }

// Names returns the names ByName accepts, sorted. The slice is new on every
// call.
func Names() []string { return []string{NameBlocking, NamePooled} }

// ByName returns the factory named name ("blocking" or "pooled"; exact
// match); workers sizes a pooled executor as in Pooled and is ignored by
// blocking. An unknown name yields a *LoadError, which wraps
// ErrUnknownExecutor and lists the valid names.
func ByName(name string, workers int) (Factory, error) {
	switch name {
	case NameBlocking:
		return Blocking(), nil
	case NamePooled:
		return Pooled(workers), nil
	}
	return nil, &LoadError{Executor: name, Valid: Names()}
}

type blockingFactory struct{}

func (blockingFactory) New(opts ...Option) Executor {
	return newCore(1, buildOptions(opts), runInline{})
}
func (blockingFactory) Name() string { return NameBlocking }
func (blockingFactory) Workers() int { return 1 }

type pooledFactory struct{ n int }

func (f pooledFactory) New(opts ...Option) Executor {
	return newCore(f.n, buildOptions(opts), &runPooled{p: pool.New().WithMaxGoroutines(f.n)})
}
func (f pooledFactory) Name() string { return NamePooled }
func (f pooledFactory) Workers() int { return f.n }

// launcher starts an admitted task: inline (blocking) or on a pool
// goroutine (pooled).
type launcher interface {
	launch(f func())
	// release frees the launcher's goroutines. It is called once, after
	// the last task has finished and no launch can follow.
	release()
}

type runInline struct{}

func (runInline) launch(f func()) { f() }
func (runInline) release()        {}

type runPooled struct{ p *pool.Pool }

// launch never blocks for long: the caller holds one of n admission slots,
// so at most n-1 other tasks are running and a pool goroutine is free or
// about to be (conc's Go waits for it).
func (r *runPooled) launch(f func()) { r.p.Go(f) }

// release closes the pool's task channel and waits for its goroutines to
// exit; no task is running by then, so it returns promptly. Wait would
// re-raise a task panic, but every task runs under panics.Try.
func (r *runPooled) release() { r.p.Wait() }
