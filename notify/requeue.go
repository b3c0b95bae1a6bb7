package notify

import (
	"fmt"
	"time"

	"github.com/harkmq/hark/internal/backoff"
)

// DefaultMaxDeliveries caps deliveries of one notification when
// RequeuePolicy.MaxDeliveries is 0: after that many, it is dead-lettered.
const DefaultMaxDeliveries = 5

// RequeuePolicy says what a listener does with a REQUEUE result.
type RequeuePolicy struct {
	// Allow turns requeueing on. Without it a REQUEUE acknowledges (drops)
	// the notification, as oslo.messaging does with allow_requeue=False;
	// hark logs every such drop at WARN.
	Allow bool
	// MaxDeliveries caps deliveries of one notification. When the delivery
	// numbered MaxDeliveries ends in REQUEUE, a panic, or an expired lease,
	// the notification is dead-lettered instead of looping forever. 0 means
	// DefaultMaxDeliveries; -1 means no cap (oslo's behaviour, not
	// recommended). The cap also applies when Allow is false, to deliveries
	// lost to crashes or expired leases.
	MaxDeliveries int
	// Backoff is the delay before redelivery: the n-th requeue of a
	// notification waits Backoff[n-1], and the last entry repeats. Empty
	// means redeliver at once (oslo's immediate requeue).
	Backoff []time.Duration
}

// Validate checks the policy.
func (r RequeuePolicy) Validate() error {
	if r.MaxDeliveries < -1 {
		return fmt.Errorf("%w: requeue max deliveries %d (want -1, 0 or more)", ErrInvalidOption, r.MaxDeliveries)
	}
	for i, d := range r.Backoff {
		if d < 0 {
			return fmt.Errorf("%w: requeue backoff[%d] = %s is negative", ErrInvalidOption, i, d)
		}
	}
	return nil
}

// maxDeliveries returns the effective cap, 0 meaning none.
func (r RequeuePolicy) maxDeliveries() int {
	switch r.MaxDeliveries {
	case 0:
		return DefaultMaxDeliveries
	case -1:
		return 0
	}
	return r.MaxDeliveries
}

// delay returns the wait before redelivering a notification that has been
// delivered deliveries times.
func (r RequeuePolicy) delay(deliveries int) time.Duration {
	return backoff.List(r.Backoff).Delay(deliveries)
}

// delayed reports whether any backoff entry is positive.
func (r RequeuePolicy) delayed() bool {
	for _, d := range r.Backoff {
		if d > 0 {
			return true
		}
	}
	return false
}
