package dispatcher

import "go.uber.org/zap"

// Option configures a Dispatcher or a BatchDispatcher.
type Option func(*options)

type options struct {
	log      *zap.Logger
	observer func(Call)
}

func buildOptions(opts []Option) options {
	o := options{log: zap.NewNop()}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.log == nil {
		o.log = zap.NewNop()
	}
	return o
}

// WithLogger sets the logger for unknown priorities (WARN) and endpoint
// panics (ERROR, with the stack). The default is a no-op logger; nil
// restores it.
func WithLogger(l *zap.Logger) Option {
	return func(o *options) { o.log = l }
}

// WithObserver sets a function called synchronously after every endpoint
// call, panicking or not, e.g. to record metrics. It runs on the
// dispatching goroutine, so it must be quick, must not panic, and must be
// safe for concurrent use when Dispatch is called concurrently. The
// default is none; nil removes it.
func WithObserver(f func(Call)) Option {
	return func(o *options) { o.observer = f }
}
