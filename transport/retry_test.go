package transport_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// fast is a policy whose waits are a millisecond.
func fast(attempts int) transport.RetryPolicy {
	return transport.RetryPolicy{Attempts: attempts, Backoff: transport.Backoff{Start: time.Millisecond, Max: time.Millisecond}}
}

var errReset = errors.New("connection reset")

func TestBackoffSchedule(t *testing.T) {
	b := transport.DefaultBackoff()
	var got []time.Duration
	for n := 1; n <= 18; n++ {
		got = append(got, b.Delay(n))
	}
	s := time.Second
	assert.Equal(t, []time.Duration{1 * s, 3 * s, 5 * s, 7 * s, 9 * s, 11 * s, 13 * s, 15 * s, 17 * s, 19 * s,
		21 * s, 23 * s, 25 * s, 27 * s, 29 * s, 30 * s, 30 * s, 30 * s}, got)
	assert.Equal(t, 30*s, b.Delay(1<<62), "no overflow")
	assert.Equal(t, time.Duration(0), transport.Backoff{}.Delay(5))
	assert.Equal(t, 2*s, transport.Backoff{Start: 2 * s, Max: 10 * s}.Delay(100), "no step: constant")
}

func TestRetryable(t *testing.T) {
	for _, err := range []error{errReset, context.DeadlineExceeded, fmt.Errorf("no responders: %w", errReset)} {
		assert.True(t, transport.Retryable(err), err.Error())
	}
	for _, err := range []error{
		context.Canceled, transport.ErrClosed, transport.ErrInvalidConfig, transport.ErrNotSupported,
		transport.ErrEncode, target.ErrInvalidTarget, transport.Permanent(errReset),
	} {
		assert.False(t, transport.Retryable(fmt.Errorf("wrapped: %w", err)), err.Error())
	}
	assert.ErrorIs(t, transport.Permanent(errReset), errReset)
}

func TestRetryUntilSuccess(t *testing.T) {
	// synctest: the waits are virtual, so the test is fast and exact.
	synctest.Test(t, func(t *testing.T) {
		n := 0
		var heard []int
		err := transport.Retry(t.Context(), fast(0), func(context.Context) error {
			if n++; n < 4 {
				return errReset
			}
			return nil
		}, func(ri transport.RetryInfo) { heard = append(heard, ri.Attempt) })
		require.NoError(t, err)
		assert.Equal(t, 4, n)
		assert.Equal(t, []int{1, 2, 3}, heard)
	})
}

// TestRetryAttemptTimeout: an attempt that hangs is cut at the attempt
// timeout and tried again (the broker may have the message: the caller
// sends the same one), while the caller's context still runs.
func TestRetryAttemptTimeout(t *testing.T) {
	// synctest: the waits are virtual, so the test is fast and exact.
	synctest.Test(t, func(t *testing.T) {
		p := fast(0)
		p.AttemptTimeout = 20 * time.Millisecond
		n := 0
		err := transport.Retry(t.Context(), p, func(ctx context.Context) error {
			if n++; n < 3 {
				<-ctx.Done() // a lost ack: nothing comes back
				return ctx.Err()
			}
			return nil
		}, nil)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
	})
}

func TestRetryStops(t *testing.T) {
	t.Run("the caller's context", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			err := transport.Retry(ctx, fast(0), func(context.Context) error { return errReset }, nil)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorIs(t, err, errReset, "the last attempt's error is kept")
			assert.Contains(t, err.Error(), "gave up after")
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	})
	t.Run("the attempts", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := 0
			err := transport.Retry(t.Context(), transport.RetryUpTo(2), func(context.Context) error { n++; return errReset }, nil)
			require.ErrorIs(t, err, errReset)
			assert.Equal(t, 3, n, "retry 2: three attempts")
			assert.Contains(t, err.Error(), "3 attempt(s)")
		})
	})
	t.Run("a final error", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := 0
			err := transport.Retry(t.Context(), fast(0), func(context.Context) error { n++; return transport.ErrClosed }, nil)
			require.ErrorIs(t, err, transport.ErrClosed)
			assert.Equal(t, 1, n)
		})
	})
}

func TestJoinErrors(t *testing.T) {
	assert.NoError(t, transport.JoinErrors(nil, nil))
	assert.Equal(t, errReset, transport.JoinErrors(nil, errReset))
	err := transport.JoinErrors(errReset, context.DeadlineExceeded)
	assert.Equal(t, "connection reset; context deadline exceeded", err.Error())
	assert.False(t, strings.Contains(err.Error(), "\n"))
	assert.ErrorIs(t, err, errReset)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRetryPolicyValidate(t *testing.T) {
	assert.NoError(t, transport.RetryPolicy{}.Validate())
	assert.ErrorIs(t, transport.RetryPolicy{Attempts: -1}.Validate(), transport.ErrInvalidConfig)
	assert.ErrorIs(t, transport.RetryPolicy{Backoff: transport.Backoff{Start: -1}}.Validate(), transport.ErrInvalidConfig)
}
