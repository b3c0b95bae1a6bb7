package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// syncBuffer is a bytes.Buffer safe for a verb writing while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// result is what one run of the CLI did.
type result struct {
	code     int
	out, err string
}

// hark runs the CLI with args and stdin, with an empty environment.
func hark(t testing.TB, ctx context.Context, stdin string, args ...string) result {
	t.Helper()
	var out, errOut syncBuffer
	code := run(ctx, args, streams{in: strings.NewReader(stdin), out: &out, err: &errOut}, func(string) string { return "" })
	return result{code: code, out: out.String(), err: errOut.String()}
}

// running is a CLI run in the background (a tail).
type running struct {
	out, err *syncBuffer
	done     chan int
	cancel   context.CancelFunc
}

// start runs the CLI in the background; stop it with cancel, then wait.
func start(t testing.TB, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{out: &syncBuffer{}, err: &syncBuffer{}, done: make(chan int, 1), cancel: cancel}
	go func() {
		r.done <- run(ctx, args, streams{in: strings.NewReader(""), out: r.out, err: r.err}, func(string) string { return "" })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("the CLI did not stop within 10s of its cancellation")
		}
	})
	return r
}

// waitStderr waits until the run's stderr contains s.
func (r *running) waitStderr(t testing.TB, s string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(r.err.String(), s) }, 10*time.Second, 5*time.Millisecond,
		"stderr never contained %q; it is:\n%s", s, r.err.String())
}

// wait returns the exit code once the run ends.
func (r *running) wait(t testing.TB) int {
	t.Helper()
	select {
	case code := <-r.done:
		r.done <- code // let Cleanup see it too
		return code
	case <-time.After(10 * time.Second):
		t.Fatalf("the CLI did not exit within 10s; stderr:\n%s", r.err.String())
		return -1
	}
}

// memURL returns a memory URL of a broker of the test's own, kept alive for
// the test by an open transport (a memory broker closes with the last
// transport on it), which it also returns.
func memURL(t testing.TB) (string, transport.Transport) {
	t.Helper()
	url := "memory:///" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	tr, err := transport.Open(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return url, tr
}

// receive reads n deliveries from l, acknowledging each, and returns them
// decoded along with the raw messages.
func receive(t testing.TB, l transport.Listener, n int) ([]*oslo.OsloMessage, []transport.Message) {
	t.Helper()
	ctx := testutil.Within(t, 10*time.Second)
	var oms []*oslo.OsloMessage
	var msgs []transport.Message
	for range n {
		d, err := l.Next(ctx)
		require.NoError(t, err)
		om, err := oslo.DecodeNotification(d.Message())
		require.NoError(t, err)
		oms = append(oms, om)
		msgs = append(msgs, d.Message())
		require.NoError(t, d.Ack(ctx))
	}
	return oms, msgs
}

// nothingMore asserts that l has no delivery within d.
func nothingMore(t testing.TB, l transport.Listener, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	got, err := l.Next(ctx)
	if err == nil {
		t.Fatalf("unexpected delivery: %s", got.Message().Body)
	}
}

// decodeLines decodes every line of s as a JSON object.
func decodeLines(t testing.TB, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(s) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "line %q", line)
		out = append(out, m)
	}
	return out
}

// keys returns the sorted keys of m.
func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
