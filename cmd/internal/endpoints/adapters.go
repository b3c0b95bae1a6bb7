package endpoints

import (
	"github.com/harkmq/hark/cmd/internal/epfunc"
	"github.com/harkmq/hark/dispatcher"
)

// singleEndpoint is an adapter in the single-notification form. It has all
// seven priority methods; Priorities (from adapter) limits the binding.
type singleEndpoint struct {
	*adapter
	epfunc.All[*dispatcher.Notification]
}

// batchEndpoint is an adapter in the batch form.
type batchEndpoint struct {
	*adapter
	epfunc.All[[]*dispatcher.Notification]
}

func newSingleEndpoint(a *adapter) singleEndpoint { return singleEndpoint{a, a.handle} }

func newBatchEndpoint(a *adapter) batchEndpoint { return batchEndpoint{a, a.handleBatch} }
