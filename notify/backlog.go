package notify

import (
	"context"
	"fmt"

	"github.com/harkmq/hark/transport"
)

// Backlog reports how many notifications wait on the broker for the
// listener's group (see transport.Backlog), for autoscalers and metrics.
// It asks the broker: poll it every few seconds, not per notification.
// Before Start, after Wait, or on a transport that cannot count, it
// returns an error wrapping ErrUnsupported or transport.ErrClosed.
func (l *Listener) Backlog(ctx context.Context) ([]transport.Backlog, error) {
	return l.lc.backlog(ctx)
}

// Backlog is Listener.Backlog for a batch listener.
func (l *BatchListener) Backlog(ctx context.Context) ([]transport.Backlog, error) {
	return l.lc.backlog(ctx)
}

func (lc *lifecycle) backlog(ctx context.Context) ([]transport.Backlog, error) {
	lc.mu.Lock()
	cur := lc.cur
	lc.mu.Unlock()
	if cur == nil {
		return nil, fmt.Errorf("backlog: the listener is not running: %w", transport.ErrClosed)
	}
	br, ok := cur.tl.(transport.BacklogReporter)
	if !ok {
		return nil, fmt.Errorf("backlog: %w: the transport cannot count what waits for a group", ErrUnsupported)
	}
	b, err := br.Backlog(ctx)
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	return b, nil
}
