package executor_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/sourcegraph/conc/panics"

	"github.com/harkmq/hark/executor"
)

// Tasks run on up to four goroutines; a panicking task is reported to the
// panic handler and the executor keeps going. Stop waits for the tasks.
func Example() {
	var panicked atomic.Int64
	e := executor.Pooled(4).New(
		executor.WithPanicHandler(func(r *panics.Recovered) { panicked.Add(1) }))

	var sum atomic.Int64
	ctx := context.Background()
	for i := 1; i <= 10; i++ {
		_ = e.Submit(ctx, func(ctx context.Context) { sum.Add(int64(i)) })
	}
	_ = e.Submit(ctx, func(ctx context.Context) { panic("handler bug") })

	if err := e.Stop(ctx); err != nil {
		fmt.Println("stop:", err)
	}
	fmt.Println("sum:", sum.Load())
	fmt.Println("panics:", panicked.Load())
	fmt.Println("after stop:", e.Submit(ctx, func(context.Context) {}))
	// Output:
	// sum: 55
	// panics: 1
	// after stop: executor: submit: hark: executor stopped
}
