package dispatcher

import (
	"errors"
	"fmt"

	"github.com/harkmq/hark/transport"
)

// Sentinel errors. Errors from this package wrap these so callers can branch
// with errors.Is.
var (
	// ErrNoHandler is wrapped by the error New and NewBatch return for an
	// endpoint that implements none of the priority methods of the form the
	// dispatcher calls (or is nil). The message names the endpoint's index
	// and type.
	ErrNoHandler = errors.New("hark: endpoint implements no priority method")

	// ErrInvalidFilter is wrapped by the *FilterError NewFilter returns.
	ErrInvalidFilter = errors.New("hark: invalid filter")

	// ErrPanic is wrapped by the *PanicError a dispatcher puts in the
	// Result of an endpoint that panicked.
	ErrPanic = errors.New("hark: endpoint panicked")
)

// FilterError reports a FilterSpec pattern that cannot be compiled: not a
// valid Python regular expression (the message is Python's re.error), or
// one that hark cannot match exactly as Python does (lookaround,
// backreferences, Unicode \b, ...; see NewFilter), named in the message.
// It wraps ErrInvalidFilter and the underlying error.
type FilterError struct {
	// Field names the filter field: "publisher_id", "event_type", or
	// "context.<key>", "metadata.<key>", "payload.<key>".
	Field string
	// Pattern is the pattern as written in the FilterSpec.
	Pattern string
	// Err says what is wrong with it.
	Err error
}

// Error names the field, the pattern and the problem.
func (e *FilterError) Error() string {
	return fmt.Sprintf("%v: %s: pattern %q: %v", ErrInvalidFilter, e.Field, e.Pattern, e.Err)
}

// Unwrap returns ErrInvalidFilter and Err.
func (e *FilterError) Unwrap() []error { return []error{ErrInvalidFilter, e.Err} }

// PanicError is the error behind the Requeue result a dispatcher substitutes
// for an endpoint that panicked. It wraps ErrPanic and, when the panic value
// is an error, that error.
type PanicError struct {
	// Endpoint is the endpoint's name.
	Endpoint string
	// Priority is the priority being dispatched.
	Priority transport.Priority
	// Value is the value passed to panic.
	Value any
	// Stack is the panicking goroutine's stack trace.
	Stack []byte
}

// Error returns "endpoint <name> panicked: <value>" (without the stack).
func (e *PanicError) Error() string {
	return fmt.Sprintf("endpoint %s panicked: %v", e.Endpoint, e.Value)
}

// Unwrap returns ErrPanic and, when Value is an error, Value.
func (e *PanicError) Unwrap() []error {
	if err, ok := e.Value.(error); ok {
		return []error{ErrPanic, err}
	}
	return []error{ErrPanic}
}
