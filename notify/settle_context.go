package notify

import (
	"context"
	"sync/atomic"
	"time"
)

// settleContexts hands out the contexts settlements run with: detached
// from any handler (a shutdown must not abandon an acknowledgement), with
// a deadline between half the settle timeout and the full timeout away.
// One context serves every settlement until less than half the timeout is
// left, and is then replaced, so a settlement costs no timer of its own:
// an acknowledgement is on the path of every notification.
type settleContexts struct {
	timeout time.Duration
	cur     atomic.Pointer[settleContext]
}

type settleContext struct {
	ctx      context.Context
	cancel   context.CancelFunc // runs at the deadline; kept for vet
	deadline time.Time
}

func newSettleContexts(timeout time.Duration) *settleContexts {
	return &settleContexts{timeout: timeout}
}

// get returns a context whose deadline is at least half the settle
// timeout away.
func (s *settleContexts) get() context.Context {
	now := time.Now()
	if c := s.cur.Load(); c != nil && c.deadline.Sub(now) >= s.timeout/2 {
		return c.ctx
	}
	deadline := now.Add(s.timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	c := &settleContext{ctx: ctx, cancel: cancel, deadline: deadline}
	// A racing get may have stored a fresh one too; either serves.
	s.cur.Store(c)
	return ctx
}
