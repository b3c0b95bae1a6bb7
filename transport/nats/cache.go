package nats

import (
	"context"
	"sync"
)

// ensureCache remembers which streams and consumers this transport has
// already made sure exist, so Send pays for the JetStream API call once per
// subject, not per message. Concurrent callers for the same name share one
// call; a failed call is forgotten so the next caller retries. The cache
// is emptied when the connection has reconnected (the server may have
// restarted without its store), see Transport.checkReconnects.
type ensureCache struct {
	mu sync.Mutex
	m  map[string]*ensureEntry
}

type ensureEntry struct {
	done chan struct{}
	err  error
}

func newEnsureCache() *ensureCache { return &ensureCache{m: map[string]*ensureEntry{}} }

// do runs f for name unless it already succeeded, or waits for a call in
// progress.
func (c *ensureCache) do(ctx context.Context, name string, f func(context.Context) error) error {
	c.mu.Lock()
	e := c.m[name]
	if e == nil {
		e = &ensureEntry{done: make(chan struct{})}
		c.m[name] = e
		c.mu.Unlock()
		e.err = f(ctx)
		if e.err != nil {
			c.mu.Lock()
			if c.m[name] == e {
				delete(c.m, name)
			}
			c.mu.Unlock()
		}
		close(e.done)
		return e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reset forgets everything.
func (c *ensureCache) reset() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
