package executor

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrStopped is wrapped by the error Submit returns once Stop has been
	// called: the task was not run.
	ErrStopped = errors.New("hark: executor stopped")

	// ErrUnknownExecutor is wrapped by the *LoadError ByName returns for a
	// name it does not know.
	ErrUnknownExecutor = errors.New("hark: unknown executor")
)

// LoadError reports an executor name ByName does not know: oslo's
// ExecutorLoadFailure, whose .executor attribute is Executor here. It wraps
// ErrUnknownExecutor.
type LoadError struct {
	// Executor is the name that was asked for.
	Executor string
	// Valid lists the names ByName accepts.
	Valid []string
}

// Error names the executor asked for and the valid names.
func (e *LoadError) Error() string {
	return fmt.Sprintf("%v %q: valid executors are %s", ErrUnknownExecutor, e.Executor, strings.Join(e.Valid, ", "))
}

// Unwrap returns ErrUnknownExecutor.
func (e *LoadError) Unwrap() error { return ErrUnknownExecutor }
