package backoff

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends or stop is closed (a nil stop never
// is); it reports whether the whole wait passed. A d ≤ 0 does not wait:
// it reports false only if ctx has already ended or stop is closed.
func Sleep(ctx context.Context, d time.Duration, stop <-chan struct{}) bool {
	if d <= 0 {
		select {
		case <-ctx.Done():
			return false
		case <-stop:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}

// Await waits for done to close, for at most d; it reports whether done
// closed in time. It is Sleep seen from the other side: a bounded wait
// for something to finish (a drain, a cancel) rather than a pause.
func Await(done <-chan struct{}, d time.Duration) bool {
	return !Sleep(context.Background(), d, done)
}
