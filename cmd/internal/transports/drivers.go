package transports

// The drivers hark and harkd can open by URL. Registration is the driver
// packages' only init side effect.
import (
	_ "github.com/harkmq/hark/transport/kafka"
	_ "github.com/harkmq/hark/transport/memory"
	_ "github.com/harkmq/hark/transport/nats"
	_ "github.com/harkmq/hark/transport/rabbit"
)
