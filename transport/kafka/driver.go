package kafka

import (
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// init registers the driver under the scheme kafka, as oslo names it. It
// is the package's only side effect.
func init() {
	transport.Register(driver(), "kafka")
}

// driver is the package's transport.Driver.
func driver() driverkit.Driver[*Transport, Option] {
	return driverkit.Driver[*Transport, Option]{Validate: ValidateURL, Connect: Open}
}
