package kafka

import (
	"context"
	"time"

	"github.com/harkmq/hark/transport/internal/driverkit"
)

// revoke runs when the group takes partitions away from this member: a
// member joined or left (revoked, commit true), or the member lost its
// session (lost, commit false: another member may own them already).
//
// What was buffered and not handed out is dropped: never delivered, the
// new owner delivers it. Deliveries handed out from the revoked
// partitions get the revoke grace to be settled, so that a rebalance
// duplicates nothing a handler settles in time; the rest are given back
// through the retry topic (their count rising) and settling them fails
// with transport.ErrLeaseExpired. Then the watermarks are committed and
// the partitions forgotten. franz-go runs this only between polls
// (BlockRebalanceOnPoll), so no record of these partitions is being
// taken in meanwhile.
func (l *listener) revoke(ctx context.Context, m map[string][]int32, commit bool) {
	keys := map[tp]bool{}
	for topic, ps := range m {
		for _, p := range ps {
			keys[tp{topic, p}] = true
		}
	}
	if len(keys) == 0 || l.killed.Load() || !l.waitClient(ctx) {
		return
	}
	l.mu.Lock()
	for d := range l.live {
		if keys[d.key] && !d.handedOut && d.state == driverkit.Active {
			l.endLocked(d, driverkit.Expired)
		}
	}
	l.mu.Unlock()

	if commit {
		l.waitHandedOut(ctx, keys)
	}
	l.mu.Lock()
	var back []*delivery
	for d := range l.live {
		if keys[d.key] && d.handedOut && d.state == driverkit.Active {
			back = append(back, d)
			l.endLocked(d, driverkit.Expired)
		}
	}
	l.mu.Unlock()
	if commit {
		l.giveBack(back)
		l.commit(keys)
	}
	var resume map[string][]int32
	l.mu.Lock()
	for k := range keys {
		if ps := l.parts[k]; ps != nil {
			if ps.timer != nil {
				ps.timer.Stop()
			}
			if ps.paused {
				// franz-go keeps a partition paused across rebalances;
				// this member may get it back later.
				if resume == nil {
					resume = map[string][]int32{}
				}
				resume[k.topic] = append(resume[k.topic], k.partition)
			}
			delete(l.parts, k)
		}
	}
	l.mu.Unlock()
	if resume != nil {
		l.cl.ResumeFetchPartitions(resume)
	}
}

// waitHandedOut waits up to the revoke grace for the deliveries handed
// out from keys to be settled (or to be settling: a requeue or dead letter
// under way finishes by itself).
func (l *listener) waitHandedOut(ctx context.Context, keys map[tp]bool) {
	deadline := time.NewTimer(l.tr.cfg.revokeGrace)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		waiting := 0
		if l.givingBack {
			waiting++ // Close is writing copies: commit after they are stored
		}
		for d := range l.live {
			if keys[d.key] && d.handedOut {
				waiting++
			}
		}
		l.mu.Unlock()
		if waiting == 0 {
			return
		}
		select {
		case <-l.settled:
		case <-time.After(20 * time.Millisecond):
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
