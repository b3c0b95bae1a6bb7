package notifydriver

import (
	"context"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// sendWithRetry sends msg with oslo's retry semantics (retry < 0: until
// ctx is done; otherwise at most retry retries) through the transport's
// one retry loop (transport.SendRetrying): each attempt bounded by the
// policy's attempt timeout, a timed-out attempt retried like any transient
// failure, the same message (same _unique_id, same broker message ID) on
// every attempt.
func sendWithRetry(ctx context.Context, tr transport.Transport, t target.Target, p transport.Priority, msg transport.Message, retry int, policy transport.RetryPolicy, log *zap.Logger) error {
	policy.Attempts = transport.RetryUpTo(retry).Attempts
	attempts := 0
	err := transport.SendRetrying(ctx, tr, t, p, msg, policy, func(ri transport.RetryInfo) {
		attempts = ri.Attempt
		log.Warn("sending notification failed; retrying",
			zap.Int("attempt", ri.Attempt), zap.Int("retry", retry),
			zap.Duration("backoff", ri.Wait), zap.Error(ri.Err))
	})
	if err == nil && attempts > 0 {
		log.Info("notification sent after retrying", zap.Int("attempts", attempts+1))
	}
	return err
}
