package nats

import (
	"context"

	"github.com/harkmq/hark/transport"
)

// init registers the driver under the nats scheme (nats+tls:// also
// reaches it: the driver is the scheme up to '+'). It is the package's
// only side effect.
func init() {
	transport.Register(driver{}, "nats")
}

// driver is the registered transport.Driver.
type driver struct{}

func (driver) ValidateURL(u *transport.URL) error { return ValidateURL(u) }

func (driver) Open(ctx context.Context, u *transport.URL, o transport.Options) (transport.Transport, error) {
	t, err := Open(ctx, u, o)
	if err != nil {
		return nil, err
	}
	return t, nil
}
