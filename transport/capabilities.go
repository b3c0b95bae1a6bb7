package transport

import (
	"fmt"
	"strings"
)

// Capabilities says what a transport can do. The zero value can do nothing
// beyond at-most-once delivery.
type Capabilities struct {
	// Requeue: a requeued delivery is delivered again.
	Requeue bool
	// DelayedRequeue: Requeue honours a delay without holding a worker.
	DelayedRequeue bool
	// Durable: messages survive a broker restart.
	Durable bool
	// Pools: each pool gets its own copy and members of a pool share it.
	Pools bool
	// Ordering: one consumer receives one topic's messages in send order.
	Ordering bool
	// Lease: an unsettled delivery is redelivered after the lease runs out,
	// and Extend renews the lease.
	Lease bool
	// DeadLetter: DeadLetter writes a record and MaxDeliveries is enforced.
	DeadLetter bool
	// Backlog: notifications sent before any listener started are kept for
	// the non-pooled group (oslo's publisher declares that queue).
	Backlog bool
	// StartPosition: a new group can start from everything the broker
	// retains or from a time (StartAll, StartTime), not only with new
	// notifications.
	StartPosition bool
}

// String lists the capabilities that are true, e.g. "requeue,pools".
func (c Capabilities) String() string {
	var s []string
	for _, f := range c.fields() {
		if f.on {
			s = append(s, f.name)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

// Require returns an error wrapping ErrNotSupported naming the first
// capability in want that c lacks, or nil.
func (c Capabilities) Require(want Capabilities) error {
	have := c.fields()
	for i, f := range want.fields() {
		if f.on && !have[i].on {
			return fmt.Errorf("%w: the transport lacks the %q capability (it has: %s)", ErrNotSupported, f.name, c)
		}
	}
	return nil
}

type capField struct {
	name string
	on   bool
}

func (c Capabilities) fields() []capField {
	return []capField{
		{"requeue", c.Requeue},
		{"delayed-requeue", c.DelayedRequeue},
		{"durable", c.Durable},
		{"pools", c.Pools},
		{"ordering", c.Ordering},
		{"lease", c.Lease},
		{"dead-letter", c.DeadLetter},
		{"backlog", c.Backlog},
		{"start-position", c.StartPosition},
	}
}
