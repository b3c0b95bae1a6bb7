package transporttest

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// HeaderTest is the header NewMessage sets to its tag.
const HeaderTest = "Hark-Test"

// UniqueName returns prefix, a dash and 10 random lower-case letters and
// digits: a valid exchange, topic or pool name (no dots) that no other
// test uses.
func UniqueName(prefix string) string {
	return prefix + "-" + strings.ToLower(rand.Text()[:10])
}

// NewMessage returns message i of a test: ID "<tag>-<i>", body
// {"test":"<tag>","n":<i>} and header Hark-Test: <tag>. With a unique tag
// (UniqueName) every message of every test differs in ID and body, which
// de-duplicating brokers (JetStream's Nats-Msg-Id) require.
func NewMessage(tag string, i int) transport.Message {
	return transport.Message{
		ID:     fmt.Sprintf("%s-%d", tag, i),
		Body:   fmt.Appendf(nil, `{"test":%q,"n":%d}`, tag, i),
		Header: transport.Header{HeaderTest: tag},
	}
}

// Send sends msg, failing t if Send fails. Call it from the test's
// goroutine.
func Send(t testing.TB, tr transport.Transport, tg target.Target, p transport.Priority, msg transport.Message) {
	t.Helper()
	require.NoError(t, tr.Send(context.Background(), tg, p, msg), "send %s to %s (%s)", msg.ID, tg, p)
}

// SendN sends NewMessage(tag, i) for i in [0, n) to tg with priority p, in
// order, and returns the messages sent. tag should be unique to the test.
func SendN(t testing.TB, tr transport.Transport, tg target.Target, p transport.Priority, tag string, n int) []transport.Message {
	t.Helper()
	msgs := make([]transport.Message, n)
	for i := range n {
		msgs[i] = NewMessage(tag, i)
		Send(t, tr, tg, p, msgs[i])
	}
	return msgs
}

// Next waits up to timeout for l's next delivery and returns it, failing t
// if none comes or Next fails. Call it from the test's goroutine.
func Next(t testing.TB, l transport.Listener, timeout time.Duration) transport.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	d, err := l.Next(ctx)
	require.NoError(t, err, "no delivery within %s", timeout)
	return d
}

// Collect receives n deliveries from l within timeout (for all of them),
// acknowledging each, and returns them in arrival order; it fails t if
// fewer arrive. The returned deliveries are settled: use their Message,
// Source and Deliveries. Call it from the test's goroutine.
func Collect(t testing.TB, l transport.Listener, n int, timeout time.Duration) []transport.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ds := make([]transport.Delivery, 0, n)
	for len(ds) < n {
		d, err := l.Next(ctx)
		require.NoError(t, err, "received %d of %d deliveries within %s", len(ds), n, timeout)
		require.NoError(t, d.Ack(ctx), "ack delivery %d", len(ds)+1)
		ds = append(ds, d)
	}
	return ds
}

// AssertNoDelivery checks that none of ls hands out anything within
// quiet (all are watched at once, so the check takes quiet, not
// len(ls)*quiet), and reports whether that held. A delivery that does
// arrive is reported with its body and count and left unsettled. Such a
// negative check can only see what happens within the window; keep quiet
// short (a few hundred milliseconds) and do not mistake it for a timing
// assertion.
func AssertNoDelivery(t testing.TB, quiet time.Duration, ls ...transport.Listener) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), quiet)
	defer cancel()
	errs := make([]error, len(ls))
	ds := make([]transport.Delivery, len(ls))
	var wg sync.WaitGroup
	for i, l := range ls {
		wg.Go(func() { ds[i], errs[i] = l.Next(ctx) })
	}
	wg.Wait()
	ok := true
	for i, err := range errs {
		if err == nil {
			d := ds[i]
			ok = assert.Fail(t, "unexpected delivery",
				"listener %d got %q (ID %q, delivery %d, source %+v) within %s",
				i+1, d.Message().Body, d.Message().ID, d.Deliveries(), d.Source(), quiet) && ok
			continue
		}
		ok = assert.ErrorIs(t, err, context.DeadlineExceeded, "listener %d: Next failed instead of timing out", i+1) && ok
	}
	return ok
}

// Bodies returns the bodies of ds as strings, in order.
func Bodies(ds []transport.Delivery) []string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d.Message().Body)
	}
	return s
}

// MessageBodies returns the bodies of msgs as strings, in order.
func MessageBodies(msgs []transport.Message) []string {
	s := make([]string, len(msgs))
	for i, m := range msgs {
		s[i] = string(m.Body)
	}
	return s
}
