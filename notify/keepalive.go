package notify

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/internal/ilist"
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
	list  ilist.List[leaseKeeper, *leaseKeeper]
	timer *time.Timer
	armed bool
}

// leaseKeeper is one running handler's deliveries in the list.
type leaseKeeper struct {
	ctx context.Context
	ds  []transport.Delivery
	// last is when the leases were last extended (or the handler
	// started); links link the list. Guarded by keepers.mu.
	last  time.Time
	links ilist.Links[leaseKeeper]
	k     *keepers
}

// Links returns k's links in its keepers' list.
func (k *leaseKeeper) Links() *ilist.Links[leaseKeeper] { return &k.links }

func newKeepers(lease time.Duration, log *zap.Logger) *keepers {
	return &keepers{lease: lease, log: log}
}

// add starts keeping ds's leases.
func (ks *keepers) add(ctx context.Context, ds []transport.Delivery) *leaseKeeper {
	k := &leaseKeeper{ctx: ctx, ds: ds, k: ks, last: time.Now()}
	ks.mu.Lock()
	ks.list.PushFront(k)
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
	ks.list.Remove(k)
	ks.mu.Unlock()
}

// tick extends the leases due for it and re-arms while anything runs.
func (ks *keepers) tick() {
	now := time.Now()
	var due []*leaseKeeper
	ks.mu.Lock()
	for k := ks.list.Front(); k != nil; k = k.links.Next() {
		if now.Sub(k.last) >= ks.lease/2 && k.ctx.Err() == nil {
			k.last = now
			due = append(due, k)
		}
	}
	if ks.list.Len() > 0 {
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
