package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// send sends notifications through tr with a notifier, as a service would.
func send(t testing.TB, tr transport.Transport, p transport.Priority, eventType string, payload any, opts ...notify.NotifierOption) {
	t.Helper()
	n, err := notify.NewNotifier(tr, append([]notify.NotifierOption{notify.WithPublisherID("compute.host1")}, opts...)...)
	require.NoError(t, err)
	require.NoError(t, n.Notify(testutil.Within(t, 5*time.Second), p, notify.Context{"request_id": "req-1"}, eventType, payload))
}

func TestTail_prints_file_endpoint_lines(t *testing.T) {
	url, tr := memURL(t)
	r := start(t, "tail", "--url", url, "--count", "2")
	r.waitStderr(t, "listening to [openstack/notifications] (all priorities) in private pool hark-tail-")

	send(t, tr, transport.Info, "compute.instance.create.end", map[string]any{"state": "active", "n": 1})
	send(t, tr, transport.Error, "compute.instance.delete.error", nil)
	require.Equal(t, exitOK, r.wait(t), r.err.String())

	lines := decodeLines(t, r.out.String())
	require.Len(t, lines, 2)
	for _, l := range lines {
		assert.Equal(t, []string{"context", "event_type", "metadata", "payload", "priority", "publisher_id"}, keys(l),
			"exactly the keys of harkd's file endpoint")
		md := l["metadata"].(map[string]any)
		assert.Equal(t, []string{"deliveries", "message_id", "timestamp"}, keys(md))
		assert.EqualValues(t, 1, md["deliveries"])
		assert.NotEmpty(t, md["message_id"])
		assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`, md["timestamp"], "the timestamp as sent")
		assert.Equal(t, "compute.host1", l["publisher_id"])
		assert.Equal(t, map[string]any{"request_id": "req-1"}, l["context"])
	}
	assert.Equal(t, "info", lines[0]["priority"])
	assert.Equal(t, "compute.instance.create.end", lines[0]["event_type"])
	assert.Equal(t, map[string]any{"state": "active", "n": float64(1)}, lines[0]["payload"])
	assert.Equal(t, "error", lines[1]["priority"])
	assert.Nil(t, lines[1]["payload"])
}

func TestTail_private_pool_takes_nothing_from_others(t *testing.T) {
	url, tr := memURL(t)
	ctx := testutil.Within(t, 10*time.Second)
	// A non-pooled listener, as harkd without a pool.
	other, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: "notifications"}}, Priorities: []transport.Priority{transport.Info}})
	require.NoError(t, err)
	defer other.Close()

	r := start(t, "tail", "--url", url, "--count", "3")
	r.waitStderr(t, "listening")
	for range 3 {
		send(t, tr, transport.Info, "e", nil)
	}
	require.Equal(t, exitOK, r.wait(t), r.err.String())
	assert.Len(t, decodeLines(t, r.out.String()), 3)
	receive(t, other, 3) // the other listener got every one too
}

func TestTail_non_pooled_reads_the_backlog(t *testing.T) {
	url, tr := memURL(t)
	send(t, tr, transport.Info, "sent.before", nil)
	r := hark(t, testutil.Within(t, 10*time.Second), "", "tail", "--url", url, "--non-pooled", "--count", "1")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.err, "in the non-pooled group")
	assert.Equal(t, "sent.before", decodeLines(t, r.out)[0]["event_type"])
}

func TestTail_named_pool_shares(t *testing.T) {
	url, tr := memURL(t)
	r := start(t, "tail", "--url", url, "--pool", "billing", "--count", "1")
	r.waitStderr(t, "in pool billing")
	send(t, tr, transport.Info, "e", nil)
	require.Equal(t, exitOK, r.wait(t), r.err.String())
	assert.Len(t, decodeLines(t, r.out.String()), 1)
}

func TestTail_priorities_and_filters(t *testing.T) {
	url, tr := memURL(t)
	r := start(t, "tail", "--url", url, "--count", "2",
		"--priority", "error,CRITICAL", "--event-type", `compute\.`, "--publisher-id", "compute",
		"--payload-match", "state=^active$", "--context-match", "request_id=req-")
	r.waitStderr(t, "(error, critical)")

	send(t, tr, transport.Info, "compute.x", map[string]any{"state": "active"})    // priority not subscribed
	send(t, tr, transport.Error, "image.x", map[string]any{"state": "active"})     // event type
	send(t, tr, transport.Error, "compute.x", map[string]any{"state": "inactive"}) // payload (anchored)
	send(t, tr, transport.Error, "compute.x", map[string]any{"state": "active"},   // publisher id
		notify.WithPublisherID("image.host"))
	send(t, tr, transport.Error, "compute.one", map[string]any{"state": "active"})
	send(t, tr, transport.Critical, "compute.two", map[string]any{"state": "active"})
	require.Equal(t, exitOK, r.wait(t), r.err.String())

	lines := decodeLines(t, r.out.String())
	require.Len(t, lines, 2)
	assert.Equal(t, "compute.one", lines[0]["event_type"])
	assert.Equal(t, "compute.two", lines[1]["event_type"])
}

func TestTail_interrupt_exits_cleanly(t *testing.T) {
	url, _ := memURL(t)
	r := start(t, "tail", "--url", url)
	r.waitStderr(t, "listening")
	r.cancel()
	assert.Equal(t, exitOK, r.wait(t), r.err.String())
	assert.Empty(t, r.out.String())
}

func TestTail_skips_what_is_not_a_notification(t *testing.T) {
	url, tr := memURL(t)
	ctx := testutil.Within(t, 10*time.Second)
	r := start(t, "tail", "--url", url, "--count", "1")
	r.waitStderr(t, "listening")
	require.NoError(t, tr.Send(ctx, target.Target{Topic: "notifications"}, transport.Info, transport.Message{Body: []byte("not json")}))
	send(t, tr, transport.Info, "after", nil)
	require.Equal(t, exitOK, r.wait(t), r.err.String())
	assert.Contains(t, r.err.String(), "skipping a message on openstack/notifications (info) that is not a notification")
	assert.Equal(t, "after", decodeLines(t, r.out.String())[0]["event_type"])

	// Tail's private copy is not dead-lettered: harkd dead-letters its own.
	dlq, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: "notifications.dlq"}}, Priorities: transport.Priorities()})
	require.NoError(t, err)
	defer dlq.Close()
	nothingMore(t, dlq, 50*time.Millisecond)
}

func TestTailFlags_parse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		f       tailFlags
		wantErr string
	}{
		{"defaults", tailFlags{topics: []string{"notifications"}}, ""},
		{"bad priority", tailFlags{topics: []string{"n"}, priorities: []string{"warning"}}, `--priority "warning"`},
		{"bad pool", tailFlags{topics: []string{"n"}, pool: "a.b"}, "--pool"},
		{"bad topic", tailFlags{topics: []string{"n*"}}, "--exchange/--topic"},
		{"no topic", tailFlags{}, "--topic"},
		{"negative count", tailFlags{topics: []string{"n"}, count: -1}, "--count -1"},
		{"bad regex", tailFlags{topics: []string{"n"}, filter: filterFlags{eventType: "(?=x)"}}, "event_type"},
		{"bad key pattern", tailFlags{topics: []string{"n"}, filter: filterFlags{payload: []string{"novalue"}}}, "want KEY=REGEX"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.f.parse()
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, transport.Priorities(), r.prios)
				assert.Nil(t, r.filter)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Equal(t, exitUsage, exitCode(err, false))
		})
	}
}

func TestParsePriorities_order_and_duplicates(t *testing.T) {
	ps, err := parsePriorities([]string{"sample", "Info", "info", " audit"})
	require.NoError(t, err)
	assert.Equal(t, []transport.Priority{transport.Audit, transport.Info, transport.Sample}, ps)
}

func TestKeyPatterns_regex_with_equals_and_commas(t *testing.T) {
	m, err := keyPatterns("--payload-match", []string{"a=x{1,3}=y", "b="})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "x{1,3}=y", "b": ""}, m)
}

// A payload with Python's NaN and Infinity (oslo notifiers send them) is
// printed with those tokens, and matched by payload filters, instead of
// failing the tail.
func TestTail_prints_NaN_payloads(t *testing.T) {
	url, tr := memURL(t)
	r := start(t, "tail", "--url", url, "--count", "1", "--payload-match", "state=^active$")
	r.waitStderr(t, "listening to")

	send(t, tr, transport.Info, "compute.metrics", json.RawMessage(`{"state": "active", "cpu": NaN, "max": Infinity}`))
	require.Equal(t, exitOK, r.wait(t), r.err.String())
	assert.Contains(t, r.out.String(), `"payload":{"state": "active", "cpu": NaN, "max": Infinity}`)
}
