package backoff_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/harkmq/hark/internal/backoff"
)

func TestSleepWaitsTheWholeDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if !backoff.Sleep(t.Context(), 3*time.Second, nil) {
			t.Fatal("Sleep reported a cut-short wait")
		}
		if got := time.Since(start); got != 3*time.Second {
			t.Fatalf("slept %v, want 3s", got)
		}
	})
}

func TestSleepEndsWithTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if backoff.Sleep(ctx, time.Hour, nil) {
			t.Fatal("Sleep reported the whole wait though the context ended")
		}
		if got := time.Since(start); got != time.Second {
			t.Fatalf("returned after %v, want 1s (the context's end)", got)
		}
	})
}

func TestSleepEndsWithStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop := make(chan struct{})
		time.AfterFunc(2*time.Second, func() { close(stop) })
		start := time.Now()
		if backoff.Sleep(t.Context(), time.Hour, stop) {
			t.Fatal("Sleep reported the whole wait though stop closed")
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Fatalf("returned after %v, want 2s (when stop closed)", got)
		}
	})
}

func TestSleepZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if !backoff.Sleep(t.Context(), 0, nil) || !backoff.Sleep(t.Context(), -time.Second, nil) {
			t.Fatal("a zero or negative wait reported false with nothing ended")
		}
		if time.Since(start) != 0 {
			t.Fatal("a zero wait waited")
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if backoff.Sleep(ctx, 0, nil) {
			t.Fatal("a zero wait on an ended context reported true")
		}
		stop := make(chan struct{})
		close(stop)
		if backoff.Sleep(t.Context(), 0, stop) {
			t.Fatal("a zero wait with stop closed reported true")
		}
	})
}

func TestAwait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		done := make(chan struct{})
		time.AfterFunc(2*time.Second, func() { close(done) })
		start := time.Now()
		if !backoff.Await(done, time.Minute) {
			t.Fatal("Await reported a timeout though done closed in time")
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Fatalf("returned after %v, want 2s (when done closed)", got)
		}
		start = time.Now()
		if backoff.Await(make(chan struct{}), 3*time.Second) {
			t.Fatal("Await reported done though it never closed")
		}
		if got := time.Since(start); got != 3*time.Second {
			t.Fatalf("gave up after %v, want 3s", got)
		}
		if !backoff.Await(done, 0) {
			t.Fatal("Await with no time left reported a closed done as not closed")
		}
	})
}
