package backoff_test

import (
	"math"
	"testing"
	"time"

	"github.com/harkmq/hark/internal/backoff"
)

func delays(s backoff.Schedule, n int) []time.Duration {
	var out []time.Duration
	for i := 1; i <= n; i++ {
		out = append(out, s.Delay(i))
	}
	return out
}

func equal(t *testing.T, what string, got, want []time.Duration) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
}

func TestLinear(t *testing.T) {
	s := time.Second
	// oslo's notifier/rabbit schedule: 1s, 3s, 5s, ... at most 30s.
	equal(t, "1s+2s≤30s", delays(backoff.Linear{Start: s, Step: 2 * s, Max: 30 * s}, 17),
		[]time.Duration{1 * s, 3 * s, 5 * s, 7 * s, 9 * s, 11 * s, 13 * s, 15 * s, 17 * s, 19 * s, 21 * s, 23 * s, 25 * s, 27 * s, 29 * s, 30 * s, 30 * s})
	l := backoff.Linear{Start: s, Step: 2 * s, Max: 30 * s}
	if got := l.Delay(0); got != s {
		t.Errorf("Delay(0) = %v, want the first wait %v", got, s)
	}
	if got := l.Delay(math.MaxInt); got != 30*s {
		t.Errorf("Delay(MaxInt) = %v, want the cap (no overflow)", got)
	}
	if got := (backoff.Linear{Start: s, Step: s}).Delay(3); got != 0 {
		t.Errorf("Max 0: Delay = %v, want 0", got)
	}
	equal(t, "Constant", delays(backoff.Constant(250*time.Millisecond), 3),
		[]time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond})
}

func TestExponential(t *testing.T) {
	ms := time.Millisecond
	// harkd's startup retry: 500ms doubling to 30s.
	equal(t, "500ms·2ⁿ≤30s", delays(backoff.Exponential{Start: 500 * ms, Max: 30 * time.Second}, 9),
		[]time.Duration{500 * ms, 1000 * ms, 2000 * ms, 4000 * ms, 8000 * ms, 16000 * ms, 30000 * ms, 30000 * ms, 30000 * ms})
	e := backoff.Exponential{Start: 500 * ms, Max: 30 * time.Second}
	if got := e.Delay(math.MaxInt); got != 30*time.Second {
		t.Errorf("Delay(MaxInt) = %v, want the cap", got)
	}
	if got := (backoff.Exponential{Start: time.Duration(math.MaxInt64 / 3), Max: math.MaxInt64}).Delay(5); got != math.MaxInt64 {
		t.Errorf("near overflow: Delay = %v, want the cap %v", got, time.Duration(math.MaxInt64))
	}
	if got := (backoff.Exponential{Max: time.Second}).Delay(1000); got != 0 {
		t.Errorf("Start 0: Delay = %v, want 0", got)
	}
}

func TestExponentialJitter(t *testing.T) {
	// nats' reconnect schedule: 250ms doubling to 5s, minus up to 20%.
	e := backoff.Exponential{Start: 250 * time.Millisecond, Max: 5 * time.Second, JitterPercent: 20}
	for n, want := range map[int]time.Duration{1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 3: time.Second, 6: 5 * time.Second, 50: 5 * time.Second} {
		lo, hi := want, time.Duration(0)
		for range 2000 {
			d := e.Delay(n)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < want-want/5 || hi > want {
			t.Errorf("Delay(%d) ranged over [%v, %v], want within [%v, %v]", n, lo, hi, want-want/5, want)
		}
		if lo == hi {
			t.Errorf("Delay(%d) was always %v: no jitter", n, lo)
		}
	}
	// The largest share taken off is floor(d·p/100) exactly: d/5 for 20%.
	odd := backoff.Exponential{Start: 9, Max: 9, JitterPercent: 20} // floor(9/5) = 1
	seen := map[time.Duration]bool{}
	for range 200 {
		seen[odd.Delay(1)] = true
	}
	if len(seen) != 2 || !seen[8] || !seen[9] {
		t.Errorf("9ns with 20%% jitter gave %v, want exactly {8ns, 9ns}", seen)
	}
}

func TestList(t *testing.T) {
	s := time.Second
	l := backoff.List{s, 10 * s, time.Minute}
	equal(t, "list", delays(l, 5), []time.Duration{s, 10 * s, time.Minute, time.Minute, time.Minute})
	if got := l.Delay(0); got != s {
		t.Errorf("Delay(0) = %v, want the first entry", got)
	}
	if got := (backoff.List{}).Delay(3); got != 0 {
		t.Errorf("empty list: Delay = %v, want 0", got)
	}
	if got := backoff.List(nil).Delay(1); got != 0 {
		t.Errorf("nil list: Delay = %v, want 0", got)
	}
}

// Delay runs on every requeue and retry: it must not allocate.
func TestDelayDoesNotAllocate(t *testing.T) {
	list := backoff.List{time.Second, time.Minute}
	lin := backoff.Linear{Start: time.Second, Step: 2 * time.Second, Max: 30 * time.Second}
	exp := backoff.Exponential{Start: time.Second, Max: 30 * time.Second, JitterPercent: 20}
	var sink time.Duration
	if n := testing.AllocsPerRun(100, func() { sink += list.Delay(3) + lin.Delay(7) + exp.Delay(4) }); n != 0 {
		t.Errorf("Delay allocates %v times per run", n)
	}
	_ = sink
}
