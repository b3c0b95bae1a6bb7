package bench

import (
	"context"
	"time"

	"github.com/harkmq/hark/cmd/internal/epfunc"
	"github.com/harkmq/hark/dispatcher"
)

// endpoint is hark's endpoint for cfg: it records every notification in
// t and handles it. Without Config.Mix it implements Info alone, so the
// listener subscribes to info; with it, all seven priorities.
func endpoint(cfg *Config, t *tally) any {
	if cfg.Mix {
		return mixCounter{counter{t}.Info}
	}
	return counter{t}
}

// batchEndpoint is endpoint for batch listeners.
func batchEndpoint(cfg *Config, t *tally) any {
	if cfg.Mix {
		return mixBatchCounter{batchCounter{t}.Info}
	}
	return batchCounter{t}
}

// counter records each notification (with its latency, when the tally
// keeps them) and handles it.
type counter struct{ t *tally }

func (c counter) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	c.t.record(sentAt(c.t, n))
	return dispatcher.Handled
}

// mixCounter is counter for every priority.
type mixCounter struct {
	epfunc.All[*dispatcher.Notification]
}

// batchCounter is counter for batch listeners.
type batchCounter struct{ t *tally }

func (c batchCounter) Info(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	for _, n := range ns {
		c.t.record(sentAt(c.t, n))
	}
	return dispatcher.Handled
}

// mixBatchCounter is batchCounter for every priority.
type mixBatchCounter struct {
	epfunc.All[[]*dispatcher.Notification]
}

func sentAt(t *tally, n *dispatcher.Notification) time.Time {
	if t.lat == nil {
		return time.Time{}
	}
	return parseTimestamp(n.Metadata.Timestamp)
}
