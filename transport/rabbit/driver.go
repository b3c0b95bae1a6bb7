package rabbit

import (
	"context"

	"github.com/harkmq/hark/transport"
)

// init registers the driver under oslo's schemes rabbit (and its aliases
// amqp and kombu; "kombu+amqp://" reaches it too, the driver being the
// scheme up to '+') and amqps (TLS). It is the package's only side effect.
func init() {
	transport.Register(driver{}, "rabbit", "amqp", "kombu", "amqps")
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
