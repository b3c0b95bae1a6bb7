// Package testutil holds small helpers shared by hark's tests. It is
// internal and imported only from _test.go files.
package testutil

import (
	"context"
	"testing"
	"time"
)

// Within returns a context that is canceled after d or when the test's
// cleanup runs, whichever comes first. It deliberately derives from
// context.Background rather than t.Context: callers use it in t.Cleanup
// closures (closing listeners, deleting broker objects), and t.Context is
// already canceled by the time those run.
func Within(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
