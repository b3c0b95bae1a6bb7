package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// backoff is kombu's retry schedule: start before the first retry, then
// step more after each one, never more than max.
type backoff struct {
	start, step, max time.Duration
}

// delay returns the wait before retry number n (0 for the first retry).
func (b backoff) delay(n int) time.Duration {
	if b.step > 0 && b.max > b.start && n > int((b.max-b.start)/b.step) {
		return b.max // also keeps start + n*step from overflowing
	}
	return min(b.start+time.Duration(n)*b.step, b.max)
}

// retryable reports whether a failed send may succeed if tried again.
// Errors that say the request itself is wrong, or that the transport or the
// caller gave up, are final.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	for _, final := range []error{
		context.Canceled, context.DeadlineExceeded,
		transport.ErrClosed, transport.ErrInvalidConfig, transport.ErrInvalidURL,
		transport.ErrUnknownScheme, transport.ErrNotSupported,
		transport.ErrEncode, target.ErrInvalidTarget, ErrInvalidPayload,
	} {
		if errors.Is(err, final) {
			return false
		}
	}
	return true
}

// sendWithRetry sends msg, retrying transient failures with oslo's retry
// semantics: retry < 0 retries until ctx is done, otherwise at most retry
// times (retry+1 attempts). The same message (same _unique_id) is sent on
// every attempt.
func sendWithRetry(ctx context.Context, tr transport.Transport, t transport.Target, p Priority, msg transport.Message, retry int, b backoff, log *zap.Logger) error {
	var last error // the previous attempt's error, kept when ctx ends
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			if last != nil {
				return fmt.Errorf("send failed after %d attempt(s), gave up retrying: %w (last error: %w)", attempt-1, err, last)
			}
			return fmt.Errorf("not sent (%d attempts): %w", attempt-1, err)
		}
		err := tr.Send(ctx, t, p, msg)
		if err == nil {
			if attempt > 1 {
				log.Info("notification sent after retrying", zap.Int("attempts", attempt))
			}
			return nil
		}
		if !retryable(ctx, err) || (retry >= 0 && attempt > retry) {
			return fmt.Errorf("send failed after %d attempt(s): %w", attempt, err)
		}
		last = err
		wait := b.delay(attempt - 1)
		log.Warn("sending notification failed; retrying",
			zap.Int("attempt", attempt), zap.Int("retry", retry),
			zap.Duration("backoff", wait), zap.Error(err))
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("send failed after %d attempt(s), gave up retrying: %w (last error: %w)", attempt, ctx.Err(), err)
		}
	}
}
