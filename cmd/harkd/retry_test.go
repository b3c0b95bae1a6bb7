package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/transport"
)

// Refused credentials are logged at ERROR on every attempt, saying so;
// other failures at ERROR once, then WARN.
func TestRetry_credentialsRefusedIsAnErrorEveryTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zap.DebugLevel)
		refused := fmt.Errorf("rabbit: cannot connect: %w: Exception (403)", transport.ErrCredentialsRefused)
		calls := 0
		err := retry(t.Context(), zap.New(core), "connect", func(context.Context) (bool, error) {
			calls++
			if calls <= 3 {
				return true, refused
			}
			return false, nil
		})
		require.NoError(t, err)
		lines := logs.FilterMessageSnippet("credentials refused").All()
		require.Len(t, lines, 3)
		for _, l := range lines {
			assert.Equal(t, zapcore.ErrorLevel, l.Level)
		}

		logs.TakeAll()
		calls = 0
		err = retry(t.Context(), zap.New(core), "connect", func(context.Context) (bool, error) {
			calls++
			if calls <= 2 {
				return true, errors.New("connection refused")
			}
			return false, nil
		})
		require.NoError(t, err)
		lines = logs.FilterMessageSnippet("cannot connect").All()
		require.Len(t, lines, 2)
		assert.Equal(t, zapcore.ErrorLevel, lines[0].Level)
		assert.Equal(t, zapcore.WarnLevel, lines[1].Level)
		assert.Zero(t, logs.FilterMessageSnippet("credentials refused").Len())
	})
}

// When ctx ends, retry returns the last failure of an attempt that ran to
// its end, not the cancellation of the one cut short.
func TestRetry_endReturnsTheLastCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		refused := fmt.Errorf("%w: Exception (403)", transport.ErrCredentialsRefused)
		calls := 0
		err := retry(ctx, zap.NewNop(), "connect", func(ctx context.Context) (bool, error) {
			calls++
			if calls == 3 {
				<-ctx.Done() // cut short by the deadline
				return true, ctx.Err()
			}
			return true, refused
		})
		require.ErrorIs(t, err, transport.ErrCredentialsRefused)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, "cannot connect: hark: credentials refused: Exception (403)", err.Error())
	})
}

// The waits between attempts double from half a second up to 30s, and
// each failure's log line says the wait that follows.
func TestRetry_waitsDoubleFromHalfASecondUpToThirtySeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zap.DebugLevel)
		var at []time.Time
		err := retry(t.Context(), zap.New(core), "connect", func(context.Context) (bool, error) {
			at = append(at, time.Now())
			if len(at) <= 9 {
				return true, errors.New("connection refused")
			}
			return false, nil
		})
		require.NoError(t, err)
		ms := time.Millisecond
		want := []time.Duration{500 * ms, 1000 * ms, 2000 * ms, 4000 * ms, 8000 * ms, 16000 * ms, 30000 * ms, 30000 * ms, 30000 * ms}
		var got []time.Duration
		for i := 1; i < len(at); i++ {
			got = append(got, at[i].Sub(at[i-1]))
		}
		assert.Equal(t, want, got, "waits between attempts")
		var logged []time.Duration
		for _, l := range logs.FilterMessageSnippet("cannot connect").All() {
			logged = append(logged, l.ContextMap()["retry_in"].(time.Duration))
		}
		assert.Equal(t, want, logged, "retry_in of each failure's log line")
	})
}
