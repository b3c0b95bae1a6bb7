package bench

import (
	"slices"
	"sync/atomic"
	"time"
)

// tally counts the notifications a contender handled and, when it keeps
// latencies, records each one's publish-to-handler latency. Handlers on
// any goroutine call record; done is closed once want were recorded.
type tally struct {
	want int64
	// claimed hands out latency slots; finished counts completed
	// records, so done is closed only after every slot was written.
	claimed  atomic.Int64
	finished atomic.Int64
	done     chan struct{}
	lat      []time.Duration // nil unless latencies are kept
	// external is set by contenders that count in another process.
	external atomic.Int64
	// measured, when a contender timed itself, replaces the wall time.
	measured time.Duration
	// warmup, set with measured, counts the notifications handled before
	// the contender's clock started: they are left out of the round's
	// figure.
	warmup int64
	// errc carries the first failure of a contender that runs apart.
	errc chan error
}

func newTally(want int, latencies bool) *tally {
	t := &tally{want: int64(want), done: make(chan struct{}), errc: make(chan error, 1)}
	if latencies {
		t.lat = make([]time.Duration, want)
	}
	return t
}

// record counts one handled notification sent at sent (ignored unless
// latencies are kept). Records beyond want (redeliveries) are ignored.
func (t *tally) record(sent time.Time) {
	i := t.claimed.Add(1) - 1
	if i >= t.want {
		return
	}
	if t.lat != nil {
		t.lat[i] = time.Since(sent)
	}
	if t.finished.Add(1) == t.want {
		close(t.done)
	}
}

// finishExternal ends the count of a contender that counted and timed
// itself: n handled in d.
func (t *tally) finishExternal(n int, d time.Duration) {
	t.external.Store(int64(n))
	t.measured = d
	if int64(n) >= t.want {
		close(t.done)
	}
}

// finishWindow ends the count of a contender that counted in another
// process and timed a window itself: handled in all, of which warmup
// before its clock started, and handled-warmup in d.
func (t *tally) finishWindow(handled, warmup int64, d time.Duration) {
	t.external.Store(handled)
	t.warmup = warmup
	t.measured = d
	if handled >= t.want {
		close(t.done)
	}
}

// fail reports that the contender cannot finish; the first error wins.
func (t *tally) fail(err error) {
	select {
	case t.errc <- err:
	default:
	}
}

// count is how many were handled so far.
func (t *tally) count() int64 {
	if n := t.external.Load(); n > 0 {
		return n
	}
	return t.finished.Load()
}

// latency summarises the recorded latencies; nil without them.
func (t *tally) latency() *Latency {
	if t.lat == nil {
		return nil
	}
	n := min(t.claimed.Load(), t.want)
	if n == 0 {
		return nil
	}
	s := slices.Clone(t.lat[:n])
	slices.Sort(s)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	at := func(q float64) float64 { return us(s[min(len(s)-1, int(q*float64(len(s))))]) }
	return &Latency{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: us(s[len(s)-1])}
}
