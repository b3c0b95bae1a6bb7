package endpoints

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/dispatcher"
)

// roundTripFunc answers requests without a network, so the webhook runs
// inside a synctest bubble.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// failingClient answers 503 to every request and records when each came.
func failingClient(at *[]time.Time) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		*at = append(*at, time.Now())
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable",
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})}
}

// The webhook waits retries_delay before each retry, the same every time.
func TestWebhookWaitsRetriesDelayBetweenAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Time
		o := webhookOpts("http://receiver.invalid/hook")
		o.RetriesDelay = config.Duration(1500 * time.Millisecond)
		w, err := newWebhook("hook", o, failingClient(&at), nil)
		require.NoError(t, err)
		requireAction(t, dispatcher.Requeue, w.Handle(t.Context(), testNotification(t, "m1", "e", 1)))
		require.Len(t, at, 4, "1 + retries attempts")
		for i := 1; i < len(at); i++ {
			assert.Equal(t, 1500*time.Millisecond, at[i].Sub(at[i-1]), "wait before retry %d", i)
		}
	})
}

// A context that ends during the wait ends it: the notification is
// requeued at once, saying why.
func TestWebhookWaitEndsWithTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Time
		o := webhookOpts("http://receiver.invalid/hook")
		o.RetriesDelay = config.Duration(time.Hour)
		w, err := newWebhook("hook", o, failingClient(&at), nil)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		start := time.Now()
		r := w.Handle(ctx, testNotification(t, "m1", "e", 1))
		requireAction(t, dispatcher.Requeue, r)
		assert.Equal(t, time.Minute, time.Since(start), "returned when the context ended")
		assert.Len(t, at, 1)
		require.ErrorIs(t, r.Err(), context.DeadlineExceeded)
		assert.Contains(t, r.Err().Error(), "503")
	})
}
