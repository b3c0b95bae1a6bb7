package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/cmd/internal/metrics"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

// fakeSource answers Backlog with what the test sets, counting calls.
type fakeSource struct {
	mu    sync.Mutex
	n     int64
	err   error
	calls int
}

func (f *fakeSource) Backlog(ctx context.Context) ([]transport.Backlog, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("the poller must bound each call")
	}
	if f.err != nil {
		return nil, f.err
	}
	return []transport.Backlog{{Pool: "p", Exchange: "openstack", Topic: "notifications", Messages: f.n}}, nil
}

func (f *fakeSource) set(n int64, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n, f.err = n, err
}

func (f *fakeSource) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

const backlogSeries = `hark_backlog_messages{exchange="openstack",pool="p",topic="notifications"}`

// backlogValue scrapes m for backlogSeries: its value, or -1.
func backlogValue(t *testing.T, m *metrics.Metrics) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, backlogSeries+" "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			require.NoError(t, err)
			return f
		}
	}
	return -1
}

// TestBacklogPoller: the poller sets the gauge, keeps the last values
// through failures, logs a failure once per streak, stops asking a
// transport that cannot count, and clear removes its series.
func TestBacklogPoller(t *testing.T) {
	m := metrics.New()
	core, logs := observer.New(zap.InfoLevel)
	src := &fakeSource{n: 4}
	p := newBacklogPoller(src, m.NewBacklog(), zap.New(core), 5*time.Millisecond)
	p.start()
	defer p.halt()
	waitValue := func(want float64) {
		t.Helper()
		require.Eventually(t, func() bool { return backlogValue(t, m) == want }, 5*time.Second, time.Millisecond, "backlog %v", want)
	}
	warnings := func() int { return logs.FilterMessageSnippet("cannot refresh hark_backlog_messages").Len() }
	waitCalls := func(more int) {
		t.Helper()
		n := src.callCount()
		require.Eventually(t, func() bool { return src.callCount() >= n+more }, 5*time.Second, time.Millisecond)
	}

	waitValue(4)
	src.set(0, errors.New("broker away"))
	waitCalls(5)
	assert.Equal(t, 4.0, backlogValue(t, m), "a failed refresh keeps the last value")
	assert.Equal(t, 1, warnings(), "one warning per failure streak")

	src.set(2, nil)
	waitValue(2)
	assert.Equal(t, 1, logs.FilterMessage("hark_backlog_messages is refreshed again").Len())
	src.set(0, errors.New("away again"))
	waitCalls(3)
	assert.Equal(t, 2, warnings(), "a new streak warns again")

	// halt keeps the values; start resumes.
	p.halt()
	src.set(9, nil)
	assert.Equal(t, 2.0, backlogValue(t, m))
	p.start()
	waitValue(9)

	src.set(0, fmt.Errorf("backlog: %w: no counting here", notify.ErrUnsupported))
	require.Eventually(t, func() bool { return logs.FilterMessageSnippet("is not reported").Len() == 1 }, 5*time.Second, time.Millisecond)
	n := src.callCount()
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, n, src.callCount(), "a transport that cannot count is not asked again")

	p.clear()
	assert.Equal(t, -1.0, backlogValue(t, m), "clear removes the series")
}
