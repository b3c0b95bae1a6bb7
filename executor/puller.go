package executor

// Puller is implemented by executors whose workers can take their tasks
// themselves, which saves a hand-off per task: a listener's workers then
// wait on the transport directly instead of on a goroutine that waits
// there and submits. Blocking and Pooled executors implement it; a
// custom executor need not (a listener submits to it instead).
type Puller interface {
	// Pull starts the executor's workers (Factory.Workers of them; one
	// for a blocking executor, so tasks run one at a time in the order
	// next returns them). Each calls next and runs the task it returns,
	// recovering panics as Submit does, until next returns false. Pull
	// returns at once; Stop waits for the workers as it waits for
	// submitted tasks, and a forced Stop cancels the running tasks'
	// context. next is called from many goroutines at once. Pull on a
	// stopped executor starts nothing. An executor is pulled from or
	// submitted to, not both.
	Pull(next func() (Task, bool))
}
