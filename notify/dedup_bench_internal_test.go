package notify

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkmq/hark/transport/oslo"
)

// benchIDs returns n distinct ids shaped like oslo's _unique_id.
func benchIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = oslo.NewUniqueID()
	}
	return ids
}

// benchDedupFull returns a cache of the default size, full (so every add
// also drops the oldest id), with a window no id outlives.
func benchDedupFull(ids []string) *dedup {
	d := newDedup(DefaultDedupSize, time.Hour)
	for _, id := range ids[:DefaultDedupSize] {
		d.add(d.id(id))
	}
	return d
}

// BenchmarkDedup_MissThenAdd is the cache's cost per new notification:
// the check in prepare (a miss) and the record in finish, on a full
// cache of the default size.
func BenchmarkDedup_MissThenAdd(b *testing.B) {
	ids := benchIDs(4 * DefaultDedupSize)
	d := benchDedupFull(ids)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		id := d.id(ids[(DefaultDedupSize+i)%len(ids)])
		if d.contains(id) {
			b.Fatal("a new id matched")
		}
		d.add(id)
	}
}

// BenchmarkDedup_MissThenAdd_Parallel is the same from GOMAXPROCS
// goroutines at once, as a pooled executor's workers call it.
func BenchmarkDedup_MissThenAdd_Parallel(b *testing.B) {
	ids := benchIDs(4 * DefaultDedupSize)
	d := benchDedupFull(ids)
	var next atomic.Int64
	next.Store(DefaultDedupSize)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := d.id(ids[int(next.Add(1))%len(ids)])
			d.contains(id)
			d.add(id)
		}
	})
}

// BenchmarkDedup_Hit is the cost of recognising a duplicate.
func BenchmarkDedup_Hit(b *testing.B) {
	ids := benchIDs(DefaultDedupSize)
	d := benchDedupFull(ids)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if !d.contains(d.id(ids[i%len(ids)])) {
			b.Fatal("a remembered id did not match")
		}
	}
}

// BenchmarkDedup_Expiry is the cost per new notification when ids leave
// by age rather than by size: the cache stays well below its size.
func BenchmarkDedup_Expiry(b *testing.B) {
	ids := benchIDs(4 * DefaultDedupSize)
	d := newDedup(DefaultDedupSize, time.Hour)
	var clock time.Duration
	d.now = func() time.Duration { return clock }
	d.window = 10_000 // ticks: about 10,000 ids kept
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		clock++
		id := d.id(ids[i%len(ids)])
		d.contains(id)
		d.add(id)
	}
}
