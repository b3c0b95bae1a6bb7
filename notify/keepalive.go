package notify

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// keepers extends the leases of the notifications whose handlers are
// running, every half lease. It keeps the running ones in a list with one
// timer per listener, ticking every quarter lease while the list is not
// empty: a timer per notification would cost more than most handlers,
// which finish long before the first extension is due.
type keepers struct {
	lease time.Duration
	log   *zap.Logger

	mu    sync.Mutex
	head  *leaseKeeper
	timer *time.Timer
	armed bool
}

// leaseKeeper is one running handler's deliveries in the list.
type leaseKeeper struct {
	ctx context.Context
	ds  []transport.Delivery
	// last is when the leases were last extended (or the handler
	// started); prev and next link the list. Guarded by keepers.mu.
	last       time.Time
	prev, next *leaseKeeper
	removed    bool
	k          *keepers
}

func newKeepers(lease time.Duration, log *zap.Logger) *keepers {
	return &keepers{lease: lease, log: log}
}

// add starts keeping ds's leases.
func (ks *keepers) add(ctx context.Context, ds []transport.Delivery) *leaseKeeper {
	k := &leaseKeeper{ctx: ctx, ds: ds, k: ks, last: time.Now()}
	ks.mu.Lock()
	k.next = ks.head
	if ks.head != nil {
		ks.head.prev = k
	}
	ks.head = k
	if !ks.armed {
		ks.armed = true
		if ks.timer == nil {
			ks.timer = time.AfterFunc(ks.lease/4, ks.tick)
		} else {
			ks.timer.Reset(ks.lease / 4)
		}
	}
	ks.mu.Unlock()
	return k
}

// stop ends the extensions of k. An extension already under way may still
// reach the broker; it fails harmlessly once the delivery is settled.
func (k *leaseKeeper) stop() {
	if k == nil {
		return
	}
	ks := k.k
	ks.mu.Lock()
	if !k.removed {
		k.removed = true
		if k.prev != nil {
			k.prev.next = k.next
		} else {
			ks.head = k.next
		}
		if k.next != nil {
			k.next.prev = k.prev
		}
		k.prev, k.next = nil, nil
	}
	ks.mu.Unlock()
}

// tick extends the leases due for it and re-arms while anything runs.
func (ks *keepers) tick() {
	now := time.Now()
	var due []*leaseKeeper
	ks.mu.Lock()
	for k := ks.head; k != nil; k = k.next {
		if now.Sub(k.last) >= ks.lease/2 && k.ctx.Err() == nil {
			k.last = now
			due = append(due, k)
		}
	}
	if ks.head != nil {
		ks.timer.Reset(ks.lease / 4)
	} else {
		ks.armed = false
	}
	ks.mu.Unlock()
	for _, k := range due {
		for _, d := range k.ds {
			err := d.Extend(k.ctx)
			if err != nil && !errors.Is(err, transport.ErrAlreadySettled) && k.ctx.Err() == nil {
				ks.log.Warn("could not extend the lease of a running notification", zap.Error(err),
					zap.String("pool", d.Source().Pool), zap.Int("deliveries", d.Deliveries()))
			}
		}
	}
}
