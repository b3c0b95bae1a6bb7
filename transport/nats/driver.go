package nats

import (
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// init registers the driver under the nats scheme (nats+tls:// also
// reaches it: the driver is the scheme up to '+'). It is the package's
// only side effect.
func init() {
	transport.Register(driverkit.Driver[*Transport, Option]{Validate: ValidateURL, Connect: Open}, "nats")
}
