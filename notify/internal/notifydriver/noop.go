package notifydriver

import (
	"context"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// Noop is oslo's "noop" driver: it drops every notification. A
// Notifier whose only driver is noop reports Enabled() == false, so callers
// can skip building expensive payloads.
type Noop struct{}

// Notify does nothing.
func (Noop) Notify(context.Context, *oslo.OsloMessage, transport.Priority, int) error {
	return nil
}
