package executor

import "context"

// Puller is implemented by executors whose workers can fetch their work
// themselves, which saves a hand-off per task: a listener's workers then
// wait on the transport directly instead of on a goroutine that waits
// there and submits. Blocking and Pooled executors implement it; a
// custom executor need not (a listener submits to it instead).
type Puller interface {
	// Run starts the executor's workers (Factory.Workers of them; one for
	// a blocking executor, so work runs one call at a time). Each calls
	// work over and over, with the tasks' context, until it returns false;
	// a panic in work is recovered and reported as Submit's are, and the
	// worker goes on. Run returns at once; Stop waits for the workers as it
	// waits for submitted tasks, and a forced Stop cancels the context
	// work runs with. Run on a stopped executor starts nothing. An
	// executor is run or submitted to, not both.
	Run(work func(ctx context.Context) bool)
}
