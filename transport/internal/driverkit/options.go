package driverkit

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// Opt checks and stores the values of one driver's functional options.
// Its value is the driver's name ("nats"), which starts every error, so
// that every driver words the same mistake the same way.
type Opt string

// Invalid returns an error wrapping transport.ErrInvalidConfig:
// "<driver>: <ErrInvalidConfig>: <format, args>".
func (o Opt) Invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", string(o), transport.ErrInvalidConfig, fmt.Sprintf(format, args...))
}

// Logger stores l in dst; nil is an error (a driver's default logger is
// a no-op one, set before options run).
func (o Opt) Logger(dst **zap.Logger, l *zap.Logger) error {
	if l == nil {
		return o.Invalid("nil logger")
	}
	*dst = l
	return nil
}

// Exchange stores name in dst when it is a valid exchange name (see
// target.CheckName).
func (o Opt) Exchange(dst *string, name string) error {
	if err := target.CheckName("default exchange", name, false); err != nil {
		return err
	}
	*dst = name
	return nil
}

// Number is what SetPositive and SetNonNegative take.
type Number interface {
	~int | ~int64 | ~float64
}

// SetPositive stores v in dst when v > 0; otherwise it returns
// "<what> <v> must be positive".
func SetPositive[T Number](o Opt, dst *T, v T, what string) error {
	if v <= 0 {
		return o.Invalid("%s %v must be positive", what, v)
	}
	*dst = v
	return nil
}

// SetNonNegative stores v in dst when v >= 0; otherwise it returns
// "<what> <v> is negative".
func SetNonNegative[T Number](o Opt, dst *T, v T, what string) error {
	if v < 0 {
		return o.Invalid("%s %v is negative", what, v)
	}
	*dst = v
	return nil
}

// SetBetween stores v in dst when lo <= v <= hi; otherwise it returns
// "<what> <v> is out of range (<lo>..<hi>)".
func SetBetween[T Number](o Opt, dst *T, v, lo, hi T, what string) error {
	if v < lo || v > hi {
		return o.Invalid("%s %v is out of range (%v..%v)", what, v, lo, hi)
	}
	*dst = v
	return nil
}
