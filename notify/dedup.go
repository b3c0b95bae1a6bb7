package notify

import "sync"

// DefaultDedupSize is how many handled notification ids a listener
// remembers to suppress duplicates (oslo remembers 16).
const DefaultDedupSize = 1024

// dedup remembers the ids of the last size handled notifications. oslo
// leaves a detected duplicate unacknowledged on the channel; hark
// acknowledges it, so it never sits on the broker until a reconnect.
type dedup struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

func newDedup(size int) *dedup {
	if size <= 0 {
		return nil
	}
	return &dedup{seen: make(map[string]struct{}, size), ring: make([]string, size)}
}

// contains reports whether id was handled recently. A nil dedup (disabled)
// and an empty id never match.
func (d *dedup) contains(id string) bool {
	if d == nil || id == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.seen[id]
	return ok
}

// add records id as handled, forgetting the oldest id when full.
func (d *dedup) add(id string) {
	if d == nil || id == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[id]; ok {
		return
	}
	if old := d.ring[d.next]; old != "" {
		delete(d.seen, old)
	}
	d.ring[d.next] = id
	d.seen[id] = struct{}{}
	d.next = (d.next + 1) % len(d.ring)
}
