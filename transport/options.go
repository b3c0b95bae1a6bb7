package transport

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
)

// Options are what Open passes to a driver besides the URL.
type Options struct {
	// Logger receives the driver's logs. Never nil for a driver: Open
	// substitutes a no-op logger.
	Logger *zap.Logger
	// DefaultExchange is used for targets without an exchange.
	DefaultExchange string
}

// Option configures Open.
type Option func(*Options) error

// WithLogger sets the logger the transport logs to. Defaults to a no-op
// logger.
func WithLogger(l *zap.Logger) Option {
	return func(o *Options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidConfig)
		}
		o.Logger = l
		return nil
	}
}

// WithDefaultExchange sets the exchange used for targets that leave it
// empty (oslo's control_exchange). Defaults to "openstack"; a rabbit URL's
// control_exchange option overrides it.
func WithDefaultExchange(name string) Option {
	return func(o *Options) error {
		if err := target.CheckName("default exchange", name, false); err != nil {
			return err
		}
		o.DefaultExchange = name
		return nil
	}
}

// NewOptions applies opts to the defaults (a no-op logger, exchange
// "openstack"). Direct driver constructors use it so they share Open's
// defaults.
func NewOptions(opts ...Option) (Options, error) {
	o := Options{Logger: zap.NewNop(), DefaultExchange: target.DefaultExchange}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return Options{}, err
		}
	}
	return o, nil
}
