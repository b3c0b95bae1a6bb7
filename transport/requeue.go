package transport

import (
	"context"
	"time"
)

// CappedRequeuer is a Delivery whose driver applies
// ListenConfig.MaxDeliveries itself and can say so: every driver of this
// module implements it. It lets the caller that knows why it gives a
// message back (notify: the endpoint and its error) have that in the
// dead-letter record when the cap is reached, while the cap stays decided
// in one place, the driver.
type CappedRequeuer interface {
	// RequeueOrDeadLetter is Requeue, except that when the cap turns the
	// requeue into a dead letter the record carries info (its Reason set
	// to ReasonMaxDeliveries), and deadLettered reports that it did.
	RequeueOrDeadLetter(ctx context.Context, delay time.Duration, info DeadLetterInfo) (deadLettered bool, err error)
}

// MaxDeliveriesReached reports whether the delivery numbered deliveries is
// the last one MaxDeliveries allows: requeueing it, or letting its lease
// run out, dead-letters the message with ReasonMaxDeliveries. Never with
// MaxDeliveries 0.
func (c ListenConfig) MaxDeliveriesReached(deliveries int) bool {
	return c.MaxDeliveries > 0 && deliveries >= c.MaxDeliveries
}
