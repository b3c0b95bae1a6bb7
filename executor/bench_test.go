package executor_test

import (
	"context"
	"testing"

	"github.com/harkmq/hark/executor"
)

func benchSubmit(b *testing.B, f executor.Factory) {
	e := f.New()
	ctx := b.Context()
	task := func(context.Context) {}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := e.Submit(ctx, task); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := e.Stop(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPooledSubmit measures the cost of handing an empty task to a
// pooled executor of 64 goroutines (admission, conc hand-off, panics.Try).
func BenchmarkPooledSubmit(b *testing.B) { benchSubmit(b, executor.Pooled(64)) }

// BenchmarkBlockingSubmit measures the per-task overhead of the blocking
// executor, which runs the task inline.
func BenchmarkBlockingSubmit(b *testing.B) { benchSubmit(b, executor.Blocking()) }
