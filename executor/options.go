package executor

import (
	"github.com/sourcegraph/conc/panics"
	"go.uber.org/zap"
)

// Option configures an executor made by a Factory.
type Option func(*options)

type options struct {
	logger  *zap.Logger
	onPanic func(*panics.Recovered)
}

func buildOptions(opts []Option) options {
	o := options{logger: zap.NewNop()}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithLogger sets the logger that task panics are logged to (at error level,
// with the panic value and the stack of the panicking goroutine). Defaults
// to a no-op logger; nil keeps the default.
func WithLogger(l *zap.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithPanicHandler sets a function that is called, on the task's goroutine,
// with every panic a task raised, after it has been logged. A listener uses
// it to count panics or to settle the delivery. A panic inside the handler
// itself is recovered and logged too. Defaults to none; nil keeps the
// default.
func WithPanicHandler(h func(*panics.Recovered)) Option {
	return func(o *options) {
		if h != nil {
			o.onPanic = h
		}
	}
}
