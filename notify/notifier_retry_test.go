package notify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

// fastRetry keeps retry tests quick: 1ms, growing by 1ms, at most 5ms.
var fastRetry = notify.WithRetryBackoff(time.Millisecond, time.Millisecond, 5*time.Millisecond)

var errConnRefused = errors.New("connection refused")

// failFirst fails the first n attempts with a transient error.
func failFirst(n int) func(int) error {
	return func(attempt int) error {
		if attempt <= n {
			return errConnRefused
		}
		return nil
	}
}

// TestMessagingNotifierRetry replicates oslo's TestMessagingNotifierRetry
// (retry=2 gives three connection attempts) and checks what hark adds:
// the error comes back to the caller, and retry=-1 ends with the context.
func TestMessagingNotifierRetry(t *testing.T) {
	ctx := t.Context()

	t.Run("retry 2 recovers on the third attempt", func(t *testing.T) {
		tr := &fakeTransport{fail: failFirst(2)}
		n := newNotifier(t, tr, notify.WithRetry(2), fastRetry)
		require.NoError(t, n.Info(ctx, nil, "test.notify", nil))
		attempts := tr.Attempts()
		require.Len(t, attempts, 3)
		assert.Len(t, tr.Sent(), 1)
		for _, a := range attempts[1:] {
			assert.Equal(t, attempts[0].Body, a.Body, "a retry resends the same message (same _unique_id)")
		}
	})

	t.Run("retry 1 gives up after two attempts and returns the error", func(t *testing.T) {
		tr := &fakeTransport{fail: failFirst(2)}
		n := newNotifier(t, tr, notify.WithRetry(1), fastRetry)
		err := n.Info(ctx, nil, "test.notify", nil)
		require.ErrorIs(t, err, errConnRefused)
		assert.Len(t, tr.Attempts(), 2)
		assert.Empty(t, tr.Sent())
		assert.Contains(t, err.Error(), "messagingv2")
		assert.Contains(t, err.Error(), `"notifications"`)
		assert.Contains(t, err.Error(), "2 attempt")
	})

	t.Run("retry 0 tries once", func(t *testing.T) {
		tr := &fakeTransport{fail: failFirst(1)}
		n := newNotifier(t, tr, notify.WithRetry(0), fastRetry)
		require.ErrorIs(t, n.Info(ctx, nil, "test.notify", nil), errConnRefused)
		assert.Len(t, tr.Attempts(), 1)
	})

	// The tests that measure time run on synctest's clock: exact, and
	// unmoved by a busy machine.
	t.Run("retry -1 retries until the context is done", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			tr := &fakeTransport{fail: func(int) error { return errConnRefused }}
			n := newNotifier(t, tr, fastRetry) // Retry defaults to -1
			const deadline = 50 * time.Millisecond
			cctx, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			begin := time.Now()
			err := n.Info(cctx, nil, "test.notify", nil)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorIs(t, err, errConnRefused, "the last send error is kept")
			// 1, 2, 3, 4, then 5ms apart: attempts at 0, 1, 3, 6, 10, 15, ... 45ms.
			assert.GreaterOrEqual(t, len(tr.Attempts()), 12)
			assert.Equal(t, deadline, time.Since(begin), "it ends with its context")
		})
	})

	t.Run("prepare overrides retry", func(t *testing.T) {
		tr := &fakeTransport{fail: failFirst(2)}
		n := newNotifier(t, tr, notify.WithRetry(0), fastRetry).Prepare(notify.WithPrepareRetry(2))
		require.NoError(t, n.Info(ctx, nil, "test.notify", nil))
		assert.Len(t, tr.Attempts(), 3)
	})

	for name, final := range map[string]error{
		"closed transport": transport.ErrClosed,
		"invalid config":   transport.ErrInvalidConfig,
		"context canceled": context.Canceled,
	} {
		t.Run("no retry on "+name, func(t *testing.T) {
			tr := &fakeTransport{fail: func(int) error { return final }}
			n := newNotifier(t, tr, notify.WithRetry(5), fastRetry)
			require.ErrorIs(t, n.Info(ctx, nil, "test.notify", nil), final)
			assert.Len(t, tr.Attempts(), 1)
		})
	}

	t.Run("a failing topic does not stop the others", func(t *testing.T) {
		var calls atomic.Int64
		tr := &fakeTransport{fail: func(int) error {
			if calls.Add(1) == 1 {
				return errConnRefused
			}
			return nil
		}}
		n := newNotifier(t, tr, notify.WithRetry(0), notify.WithTopics("first", "second"))
		err := n.Info(ctx, nil, "test.notify", nil)
		require.ErrorIs(t, err, errConnRefused)
		assert.Contains(t, err.Error(), `"first"`)
		assert.NotContains(t, err.Error(), `"second"`)
		sent := tr.Sent()
		require.Len(t, sent, 1)
		assert.Equal(t, "second", sent[0].Target.Topic)
	})

	t.Run("backoff waits between attempts", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			tr := &fakeTransport{fail: failFirst(2)}
			n := newNotifier(t, tr, notify.WithRetry(2), notify.WithRetryBackoff(20*time.Millisecond, 10*time.Millisecond, time.Second))
			begin := time.Now()
			require.NoError(t, n.Info(t.Context(), nil, "test.notify", nil))
			assert.Equal(t, 50*time.Millisecond, time.Since(begin), "20ms then 30ms")
		})
	})
}
