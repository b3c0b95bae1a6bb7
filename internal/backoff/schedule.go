package backoff

import (
	"math/rand/v2"
	"time"
)

// Schedule is a retry schedule: Delay(n) is the wait before retry n, 1
// for the first; n < 1 counts as 1. A Delay is never negative when the
// schedule's durations are not.
type Schedule interface {
	Delay(n int) time.Duration
}

// Linear is kombu's retry schedule: Start before the first retry, Step
// more before each later one, never more than Max (a Max of 0 means no
// wait at all).
type Linear struct {
	Start, Step, Max time.Duration
}

// Constant is the schedule waiting d before every retry.
func Constant(d time.Duration) Linear { return Linear{Start: d, Max: d} }

// Delay returns min(Start + (n-1)·Step, Max).
func (l Linear) Delay(n int) time.Duration {
	n = max(n-1, 0)
	if l.Step > 0 && l.Max > l.Start && n > int((l.Max-l.Start)/l.Step) {
		return l.Max // also keeps Start + n*Step from overflowing
	}
	return min(l.Start+time.Duration(n)*l.Step, l.Max)
}

// Exponential doubles the wait from Start before the first retry up to
// Max, then shaves a random part of up to JitterPercent percent off it, so
// that many clients failing together do not retry in lockstep.
type Exponential struct {
	Start, Max time.Duration
	// JitterPercent is the largest share, in percent (0 to 100), taken off
	// each wait at random; 0 means none.
	JitterPercent int
}

// Delay returns min(Start·2^(n-1), Max), less the jitter.
func (e Exponential) Delay(n int) time.Duration {
	d := e.Start
	for i := 1; i < n && d > 0 && d < e.Max; i++ {
		if d > e.Max/2 {
			d = e.Max // the doubling would pass Max, or overflow
			break
		}
		d *= 2
	}
	d = min(d, e.Max)
	if e.JitterPercent <= 0 || d <= 0 {
		return d
	}
	// floor(d·p/100), computed without overflowing d·p.
	p := time.Duration(e.JitterPercent)
	spread := d/100*p + d%100*p/100
	return d - time.Duration(rand.Int64N(int64(spread)+1))
}

// List is a schedule given wait by wait: retry n waits List[n-1], and the
// last entry repeats; an empty List never waits.
type List []time.Duration

// Delay returns the n-th entry, or the last one past the end.
func (l List) Delay(n int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[min(max(n-1, 0), len(l)-1)]
}
