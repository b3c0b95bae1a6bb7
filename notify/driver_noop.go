package notify

import (
	"context"

	"github.com/harkmq/hark/transport"
)

// noopDriver is oslo's "noop" driver: it drops every notification. A
// Notifier whose only driver is noop reports Enabled() == false, so callers
// can skip building expensive payloads.
type noopDriver struct{}

func (noopDriver) Notify(context.Context, *transport.OsloMessage, transport.Priority, int) error {
	return nil
}
