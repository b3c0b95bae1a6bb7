package notify

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// DefaultDedupSize is the most notification ids a listener remembers by
// default to suppress duplicates (oslo remembers 16). Over the default
// 60s window (DefaultDedupWindow of the default 30s lease) it covers
// about 1,600 notifications a second; at higher rates the oldest ids go
// first, so the time covered shrinks to size ÷ rate. An id costs 60 to 80
// bytes (a map slot and a FIFO slot; the id is kept as a 128-bit hash),
// so a full cache of the default size holds about 6 MiB. Memory follows
// the ids remembered within the window, up to the size.
const DefaultDedupSize = 100_000

// minDedupMargin is the least time an id is remembered beyond the lease
// by default: a redelivery can wait in the listener's prefetch, or come
// only after a reconnect, well after its lease ran out.
const minDedupMargin = 30 * time.Second

// DefaultDedupWindow is how long a listener with the given lease
// remembers an id by default: the lease plus the larger of the lease and
// 30s, i.e. max(2 × lease, lease + 30s); 60s for the default 30s lease.
// A broker with leases redelivers a message whose acknowledgement was
// lost at most a lease after the delivery's last extension (JetStream
// AckWait); the margin covers the time the redelivery may then wait in
// the listener's prefetch. On RabbitMQ, which has no lease, the
// redelivery comes when the listener reconnects, so the window is the
// longest outage covered (see WithDedupWindow).
func DefaultDedupWindow(lease time.Duration) time.Duration {
	return lease + max(lease, minDedupMargin)
}

// dedupKey is an id's 128-bit hash: the cache keeps no strings, so it
// holds no pointers for the garbage collector to scan, and a few dozen
// bytes per id whatever the id's length. A new id matches one of n
// remembered ones with probability about n × 2^-128: never, in practice.
type dedupKey struct{ a, b uint64 }

// dedupID is a notification id as a dedup keys it. The zero dedupID (no
// id, or de-duplication off) is never remembered nor matched.
type dedupID struct {
	key dedupKey
	ok  bool
}

// dedupEntry is one recorded id and when it was recorded.
type dedupEntry struct {
	key dedupKey
	at  time.Duration // since the cache's epoch, monotonic
}

// dedup remembers the ids of notifications the listener acknowledged
// (handled, or dropped), for window and at most size of them; when full,
// the oldest go first. oslo leaves a detected duplicate unacknowledged
// on the channel; hark acknowledges it, so it never sits on the broker
// until a reconnect.
//
// It is a map from id to the sequence number of the id's newest record,
// and a FIFO of records (a ring that grows up to size): recording is
// amortised O(1) and expiry needs no timer or goroutine, since the
// oldest records sit at the head. A record superseded by a newer one of
// the same id stays in the FIFO until it reaches the head, taking a slot.
type dedup struct {
	mu      sync.Mutex
	seen    map[dedupKey]uint64 // id -> sequence number of its newest record
	ring    []dedupEntry        // the FIFO; grows up to size
	head    int                 // index in ring of the oldest record
	n       int                 // records in ring
	headSeq uint64              // sequence number of ring[head]
	size    int
	window  time.Duration
	now     func() time.Duration
	seeds   [2]maphash.Seed
}

// dedupInitialRing is the ring's first capacity; it doubles up to size.
const dedupInitialRing = 256

// newDedup returns a cache of at most size ids kept for window; nil (no
// de-duplication) when size is 0 or less.
func newDedup(size int, window time.Duration) *dedup {
	if size <= 0 {
		return nil
	}
	epoch := time.Now()
	return &dedup{
		seen:   map[dedupKey]uint64{},
		ring:   make([]dedupEntry, min(size, dedupInitialRing)),
		size:   size,
		window: window,
		now:    func() time.Duration { return time.Since(epoch) },
		seeds:  [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
	}
}

// id returns the key of the notification id s, hashed once for both
// contains and add. A nil dedup (disabled) and an empty s give the zero
// dedupID.
func (d *dedup) id(s string) dedupID {
	if d == nil || s == "" {
		return dedupID{}
	}
	return dedupID{key: dedupKey{maphash.String(d.seeds[0], s), maphash.String(d.seeds[1], s)}, ok: true}
}

// contains reports whether id was recorded less than window ago. The
// zero dedupID never matches.
func (d *dedup) contains(id dedupID) bool {
	if !id.ok {
		return false
	}
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	seq, ok := d.seen[id.key]
	if !ok {
		return false
	}
	return now-d.entry(seq).at < d.window
}

// add records id as of now, replacing an older record of it. It first
// forgets the records older than window, then the oldest one if size
// records are kept. The zero dedupID is not recorded.
func (d *dedup) add(id dedupID) {
	if !id.ok {
		return
	}
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.n > 0 && now-d.ring[d.head].at >= d.window {
		d.pop()
	}
	if d.n == d.size {
		d.pop()
	}
	if d.n == len(d.ring) {
		d.grow()
	}
	d.ring[(d.head+d.n)%len(d.ring)] = dedupEntry{key: id.key, at: now}
	d.seen[id.key] = d.headSeq + uint64(d.n)
	d.n++
}

// count returns how many ids are remembered (expired ones included until
// the next add forgets them).
func (d *dedup) count() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

// entry returns the record numbered seq, which must be in the ring.
func (d *dedup) entry(seq uint64) *dedupEntry {
	return &d.ring[(d.head+int(seq-d.headSeq))%len(d.ring)]
}

// pop forgets the oldest record, and its id unless a newer record of
// the id exists.
func (d *dedup) pop() {
	if k := d.ring[d.head].key; d.seen[k] == d.headSeq {
		delete(d.seen, k)
	}
	d.head = (d.head + 1) % len(d.ring)
	d.headSeq++
	d.n--
}

// grow doubles the ring, up to size, keeping the records in order.
func (d *dedup) grow() {
	ring := make([]dedupEntry, min(2*len(d.ring), d.size))
	k := copy(ring, d.ring[d.head:])
	copy(ring[k:], d.ring[:d.head])
	d.ring, d.head = ring, 0
}

// idOf is the id of a notification's sends: its per-send _unique_id
// (oslo's rabbit layout, and hark's notifier on every AMQP-dialect
// transport). oslo's kafka layout has none: there the message_id is the
// id every retry reuses, but one notification sent to several topics
// shares it across those copies, so it identifies a redelivery only with
// the exchange and topic it came through (a listener on two of those
// topics gets both copies). The zero dedupID (not de-duplicated) without
// either. The parts are hashed in place, not joined into a new string,
// as this runs for every notification.
func (d *dedup) idOf(om *oslo.OsloMessage, src transport.Source) dedupID {
	if d == nil || om.UniqueID != "" {
		return d.id(om.UniqueID)
	}
	if om.MessageID == "" {
		return dedupID{}
	}
	sum := func(seed maphash.Seed) uint64 {
		var h maphash.Hash
		h.SetSeed(seed)
		_, _ = h.WriteString(om.MessageID)
		_ = h.WriteByte(0)
		_, _ = h.WriteString(src.Target.Exchange)
		_ = h.WriteByte(0)
		_, _ = h.WriteString(src.Target.Topic)
		return h.Sum64()
	}
	return dedupID{key: dedupKey{sum(d.seeds[0]), sum(d.seeds[1])}, ok: true}
}
