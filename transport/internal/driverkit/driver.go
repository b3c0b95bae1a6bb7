package driverkit

import (
	"context"

	"github.com/harkmq/hark/transport"
)

// Driver is the transport.Driver of a driver package whose ValidateURL
// and Open functions are its whole contract (Open called without options
// of the package's own type O). It exists so that a nil
// *T from a failed Open becomes a nil transport.Transport, not a non-nil
// interface holding a nil pointer.
type Driver[T transport.Transport, O any] struct {
	// Validate is the package's ValidateURL.
	Validate func(u *transport.URL) error
	// Connect is the package's Open.
	Connect func(ctx context.Context, u *transport.URL, o transport.Options, opts ...O) (T, error)
}

// ValidateURL calls Validate.
func (d Driver[T, O]) ValidateURL(u *transport.URL) error { return d.Validate(u) }

// Open calls Connect, returning a nil transport.Transport with its error.
func (d Driver[T, O]) Open(ctx context.Context, u *transport.URL, o transport.Options) (transport.Transport, error) {
	t, err := d.Connect(ctx, u, o)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// OpenRaw parses rawURL and calls d.Connect with the transport defaults
// and opts: the body of each driver package's New(ctx, rawURL, opts...)
// shortcut.
func (d Driver[T, O]) OpenRaw(ctx context.Context, rawURL string, opts ...O) (T, error) {
	var zero T
	u, err := transport.ParseURL(rawURL)
	if err != nil {
		return zero, err
	}
	o, err := transport.NewOptions()
	if err != nil {
		return zero, err
	}
	return d.Connect(ctx, u, o, opts...)
}
