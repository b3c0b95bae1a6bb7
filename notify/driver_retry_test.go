package notify

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func TestBackoffSchedule(t *testing.T) {
	b := backoff{start: DefaultRetryStart, step: DefaultRetryStep, max: DefaultRetryMax}
	var got []time.Duration
	for n := range 18 {
		got = append(got, b.delay(n))
	}
	s := time.Second
	assert.Equal(t, []time.Duration{1 * s, 3 * s, 5 * s, 7 * s, 9 * s, 11 * s, 13 * s, 15 * s, 17 * s, 19 * s,
		21 * s, 23 * s, 25 * s, 27 * s, 29 * s, 30 * s, 30 * s, 30 * s}, got)
	assert.Equal(t, 30*s, b.delay(1<<62), "no overflow")
	assert.Equal(t, time.Duration(0), backoff{}.delay(5))
	assert.Equal(t, 2*s, backoff{start: 2 * s, max: 10 * s}.delay(100), "no step: constant")
}

func TestRetryable(t *testing.T) {
	ctx := context.Background()
	assert.True(t, retryable(ctx, errors.New("connection reset")))
	for _, err := range []error{
		context.Canceled, context.DeadlineExceeded, transport.ErrClosed,
		transport.ErrInvalidConfig, transport.ErrNotSupported, transport.ErrEncode,
		target.ErrInvalidTarget, ErrInvalidPayload,
	} {
		assert.False(t, retryable(ctx, fmt.Errorf("wrapped: %w", err)), err.Error())
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	assert.False(t, retryable(done, errors.New("connection reset")), "the caller gave up")
}
