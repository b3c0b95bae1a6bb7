package rabbit

import (
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// init registers the driver under oslo's schemes rabbit (and its aliases
// amqp and kombu; "kombu+amqp://" reaches it too, the driver being the
// scheme up to '+') and amqps (TLS). It is the package's only side effect.
func init() {
	transport.Register(driver(), "rabbit", "amqp", "kombu", "amqps")
}

// driver is the package's transport.Driver.
func driver() driverkit.Driver[*Transport, Option] {
	return driverkit.Driver[*Transport, Option]{Validate: ValidateURL, Connect: Open}
}
