package nats

import (
	"time"

	"github.com/harkmq/hark/internal/ilist"
)

// leaseMargin is how much earlier than the server the listener considers
// a lease over: the server starts AckWait when it sends, the listener
// when it receives, so without a margin a settle could be accepted
// locally after the server had already redelivered. A twentieth of the
// lease, at most a second.
func leaseMargin(lease time.Duration) time.Duration {
	return min(lease/20, time.Second)
}

// renewLead is how long before its local deadline a buffered delivery's
// lease is renewed (InProgress): a delivery the listener holds but has not
// handed out must not be redelivered elsewhere because its handlers are
// busy with earlier ones.
func renewLead(lease time.Duration) time.Duration { return lease / 3 }

// leaseList holds a consumer's active deliveries in order of their local
// deadlines. Every delivery of a consumer has the same lease, so arrival
// order is deadline order, and a renewed delivery (its new deadline is
// now plus the lease) goes to the back: insert, remove and renew are O(1),
// and one timer per consumer serves every lease, where a timer per
// delivery would cost more than the delivery. Guarded by the listener's
// mutex.
type leaseList = ilist.List[jsDelivery, *jsDelivery]

// armLeaseTimerLocked makes the consumer's lease timer fire by the next
// event of its front delivery (a renewal if it is buffered, its expiry if
// it is handed out); firing early is harmless, the sweep re-arms.
func (c *jsConsumer) armLeaseTimerLocked() {
	d := c.leases.Front()
	if d == nil {
		return
	}
	at := d.deadline
	if !d.handedOut {
		at = at.Add(-renewLead(c.lease))
	}
	wait := time.Until(at)
	switch {
	case c.leaseTimer == nil:
		c.leaseTimer = time.AfterFunc(wait, c.sweepLeases)
	case c.leaseArmed && !c.leaseAt.After(at):
		return // already due by then
	default:
		c.leaseTimer.Reset(wait)
	}
	c.leaseArmed, c.leaseAt = true, at
}

// sweepLeases runs at the consumer's lease timer: it renews the leases of
// buffered deliveries due for it and ends those of handed-out deliveries
// past their deadline (their settle then fails with ErrLeaseExpired, and
// the server redelivers them).
func (c *jsConsumer) sweepLeases() {
	l := c.l
	l.mu.Lock()
	c.leaseArmed = false
	if l.closed {
		l.mu.Unlock()
		return
	}
	now := time.Now()
	lead := renewLead(c.lease)
	var renewed []*jsDelivery
	for d := c.leases.Front(); d != nil && !d.deadline.Add(-lead).After(now); {
		next := d.links.Next()
		switch {
		case !d.handedOut:
			renewed = append(renewed, d)
		case !d.deadline.After(now):
			l.expireLocked(d)
		}
		d = next
	}
	for _, d := range renewed {
		d.renewLocked(now)
	}
	// The front may still be a handed-out delivery short of its deadline.
	c.armLeaseTimerLocked()
	// Expired leases freed budget.
	reqs := l.planLocked()
	l.mu.Unlock()
	l.send(reqs)
}
