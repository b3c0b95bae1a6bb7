package main

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// dlqFixture makes dead letters as harkd would: a listener in pool
// "billing" that gives up on what it receives.
type dlqFixture struct {
	url string
	tr  transport.Transport
	l   transport.Listener
}

func newDLQFixture(t *testing.T) *dlqFixture {
	url, tr := memURL(t)
	l, err := tr.Listen(testutil.Within(t, 5*time.Second), transport.ListenConfig{
		Targets: []target.Target{{Topic: "notifications"}}, Priorities: transport.Priorities(), Pool: "billing",
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return &dlqFixture{url: url, tr: tr, l: l}
}

// deadLetter sends a notification, receives it in pool billing and
// dead-letters it with info; it returns the message as received.
func (f *dlqFixture) deadLetter(t *testing.T, p transport.Priority, eventType string, info transport.DeadLetterInfo, opts ...notify.NotifierOption) transport.Message {
	t.Helper()
	send(t, f.tr, p, eventType, map[string]any{"state": "error", "note": "<b>"}, opts...)
	return f.deadLetterNext(t, info)
}

func (f *dlqFixture) deadLetterNext(t *testing.T, info transport.DeadLetterInfo) transport.Message {
	t.Helper()
	ctx := testutil.Within(t, 5*time.Second)
	d, err := f.l.Next(ctx)
	require.NoError(t, err)
	msg := d.Message()
	require.NoError(t, d.DeadLetter(ctx, info))
	return msg
}

// list runs dlq list --json and returns its records.
func (f *dlqFixture) list(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	r := hark(t, testutil.Within(t, 10*time.Second), "", append([]string{"dlq", "list", "--url", f.url, "--wait", "100ms", "--json"}, args...)...)
	require.Equal(t, exitOK, r.code, r.err)
	return decodeLines(t, r.out)
}

func eventTypes(records []map[string]any) []string {
	var s []string
	for _, r := range records {
		s = append(s, r["event_type"].(string))
	}
	return s
}

func TestDLQList_json_and_nothing_removed(t *testing.T) {
	f := newDLQFixture(t)
	m1 := f.deadLetter(t, transport.Info, "compute.one", transport.DeadLetterInfo{Reason: transport.ReasonRejected, LastError: "HTTP 400: bad", Endpoint: "billing", ID: "dl-1"})
	f.deadLetter(t, transport.Error, "compute.two", transport.DeadLetterInfo{Reason: transport.ReasonMaxDeliveries})

	recs := f.list(t)
	require.Len(t, recs, 2)
	r := recs[0]
	assert.Equal(t, "compute.one", r["event_type"])
	assert.Equal(t, "compute.host1", r["publisher_id"])
	assert.Equal(t, "rejected", r["reason"])
	assert.Equal(t, "HTTP 400: bad", r["last_error"])
	assert.Equal(t, "billing", r["endpoint"])
	assert.Equal(t, "dl-1", r["dead_letter_id"], "the id harkd logged")
	assert.EqualValues(t, 1, r["deliveries"])
	assert.NotEmpty(t, r["dead_lettered_at"])
	assert.Equal(t, map[string]any{"exchange": "openstack", "topic": "notifications", "priority": "info", "pool": "billing"}, r["source"])
	n := r["notification"].(map[string]any)
	assert.Equal(t, []string{"context", "event_type", "metadata", "payload", "priority", "publisher_id"}, keys(n))
	assert.Equal(t, n["metadata"].(map[string]any)["message_id"], r["message_id"])
	orig := r["original"].(map[string]any)
	assert.Equal(t, string(m1.Body), orig["body"], "the original body, byte for byte")
	assert.Equal(t, m1.ID, orig["id"])
	assert.NotContains(t, r, "error")
	assert.Equal(t, "compute.two", recs[1]["event_type"])
	assert.Equal(t, "max_deliveries", recs[1]["reason"])
	assert.NotContains(t, recs[1], "last_error")
	assert.NotContains(t, recs[1], "dead_letter_id")

	// Listing puts every record back, in its order.
	assert.Equal(t, []string{"compute.one", "compute.two"}, eventTypes(f.list(t)))
	assert.Equal(t, []string{"compute.one", "compute.two"}, eventTypes(f.list(t)))
}

func TestDLQList_table_limit_and_selection(t *testing.T) {
	f := newDLQFixture(t)
	f.deadLetter(t, transport.Info, "compute.one", transport.DeadLetterInfo{Reason: transport.ReasonRejected, LastError: "line one\nline two"})
	f.deadLetter(t, transport.Error, "compute.two", transport.DeadLetterInfo{Reason: transport.ReasonMaxDeliveries})
	f.deadLetter(t, transport.Info, "image.three", transport.DeadLetterInfo{Reason: transport.ReasonMaxDeliveries})
	ctx := testutil.Within(t, 20*time.Second)

	r := hark(t, ctx, "", "dlq", "list", "--url", f.url, "--wait", "100ms")
	require.Equal(t, exitOK, r.code, r.err)
	rows := strings.Split(strings.TrimSpace(r.out), "\n")
	require.Len(t, rows, 4, r.out)
	assert.Regexp(t, `^DEAD-LETTERED\s+REASON\s+DELIVERIES\s+SOURCE\s+PRIORITY\s+POOL\s+EVENT TYPE\s+MESSAGE ID\s+LAST ERROR$`, rows[0])
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+rejected\s+1\s+openstack/notifications\s+info\s+billing\s+compute.one\s+\S+\s+line one line two$`, rows[1])
	assert.Contains(t, r.err, "3 dead letters listed (3 read) from openstack/notifications.dlq")

	r = hark(t, ctx, "", "dlq", "list", "--url", f.url, "--wait", "100ms", "--limit", "1")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Len(t, strings.Split(strings.TrimSpace(r.out), "\n"), 2)

	assert.Equal(t, []string{"compute.two", "image.three"}, eventTypes(f.list(t, "--reason", "max_deliveries")))
	assert.Equal(t, []string{"compute.one", "compute.two"}, eventTypes(f.list(t, "--event-type", `compute\.`)))
	assert.Equal(t, []string{"compute.two"}, eventTypes(f.list(t, "--priority", "error")))
	assert.Empty(t, f.list(t, "--reason", "decode_error"))
	assert.Len(t, f.list(t), 3, "nothing was removed")
}

func TestDLQList_empty(t *testing.T) {
	url, tr := memURL(t)
	send(t, tr, transport.Info, "compute.one", nil)
	r := hark(t, testutil.Within(t, 10*time.Second), "", "dlq", "list", "--url", url, "--wait", "50ms")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Empty(t, r.out)
	assert.Equal(t, "hark dlq list: 0 dead letters listed (0 read) from openstack/notifications.dlq\n"+
		"hark: nothing was ever dead-lettered there: memory: listen: hark: nothing to read on the broker: no queue of the non-pooled group exists for [openstack/notifications.dlq]\n", r.err)
}

func TestDLQList_custom_topic_and_odd_records(t *testing.T) {
	f := newDLQFixture(t)
	ctx := testutil.Within(t, 10*time.Second)
	dlq := target.Target{Topic: "billing.failed"}
	// Not a dead-letter record at all.
	require.NoError(t, f.tr.Send(ctx, dlq, transport.Info, transport.Message{ID: "x1", Body: []byte("stray")}))
	// A record whose original is not a notification, compressed-looking.
	rec := transport.DeadLetter{
		Original: transport.Message{ID: "x2", Body: []byte{0x1f, 0x8b, 0xff}, Header: transport.Header{"compression": "application/x-gzip"}},
		Info:     transport.DeadLetterInfo{Reason: transport.ReasonDecode, LastError: "gzip: invalid header"},
		Source:   transport.Source{Target: target.Target{Exchange: "openstack", Topic: "billing"}, Priority: transport.Info},
		Time:     time.Now(),
	}
	require.NoError(t, f.tr.Send(ctx, dlq, transport.Info, rec.Message()))

	recs := f.list(t, "--topic", "billing", "--dlq-topic", "billing.failed")
	require.Len(t, recs, 2)
	assert.Contains(t, recs[0]["error"], "not a dead-letter record")
	assert.Equal(t, "stray", recs[0]["original"].(map[string]any)["body"])
	assert.Equal(t, "decode_error", recs[1]["reason"])
	assert.NotEmpty(t, recs[1]["decode_error"])
	assert.NotContains(t, recs[1], "notification")
	orig := recs[1]["original"].(map[string]any)
	assert.Equal(t, base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0xff}), orig["body_base64"], "a binary body is base64")
	assert.Equal(t, map[string]any{"compression": "application/x-gzip"}, orig["headers"])

	assert.Len(t, f.list(t, "--topic", "billing", "--dlq-topic", "billing.failed", "--reason", "decode_error"), 1,
		"a selection leaves out what is not a record")
}

func TestDLQReplay_byte_for_byte(t *testing.T) {
	f := newDLQFixture(t)
	gz := f.deadLetter(t, transport.Warn, "compute.one", transport.DeadLetterInfo{Reason: transport.ReasonMaxDeliveries}, notify.WithCompression("gzip"))
	f.deadLetter(t, transport.Info, "compute.two", transport.DeadLetterInfo{Reason: transport.ReasonRejected})
	ctx := testutil.Within(t, 20*time.Second)

	r := hark(t, ctx, "", "dlq", "replay", "--url", f.url, "--wait", "100ms", "--dry-run")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Regexp(t, `^ACTION\s+DEAD-LETTERED`, r.out)
	assert.Equal(t, 2, strings.Count(r.out, "would_replay"))
	assert.Contains(t, r.err, "would replay 2 dead letters from openstack/notifications.dlq (2 read, 0 left in place)")
	nothingMore(t, f.l, 50*time.Millisecond)
	assert.Len(t, f.list(t), 2, "a dry run changes nothing")

	r = hark(t, ctx, "", "dlq", "replay", "--url", f.url, "--wait", "100ms", "--reason", "max_deliveries", "--json")
	require.Equal(t, exitOK, r.code, r.err)
	out := decodeLines(t, r.out)
	require.Len(t, out, 1)
	assert.Equal(t, "replayed", out[0]["action"])
	assert.Contains(t, r.err, "replayed 1 dead letter from openstack/notifications.dlq (2 read, 1 left in place)")

	d, err := f.l.Next(ctx)
	require.NoError(t, err)
	got := d.Message()
	assert.Equal(t, gz.Body, got.Body, "the body, byte for byte (compressed)")
	assert.Equal(t, gz.Header, got.Header, "the headers, with no dead-letter header")
	assert.Equal(t, transport.Source{Target: target.Target{Exchange: "openstack", Topic: "notifications"}, Priority: transport.Warn, Pool: "billing"}, d.Source())
	assert.True(t, strings.HasPrefix(got.ID, gz.ID+replaySuffix), "id %q", got.ID)
	require.NoError(t, d.Ack(ctx))

	assert.Equal(t, []string{"compute.two"}, eventTypes(f.list(t)), "the replayed record is gone, the other stays")
}

func TestDLQReplay_limit_and_leftovers(t *testing.T) {
	f := newDLQFixture(t)
	ctx := testutil.Within(t, 20*time.Second)
	for _, e := range []string{"a.one", "b.two", "a.three", "a.four"} {
		f.deadLetter(t, transport.Info, e, transport.DeadLetterInfo{Reason: transport.ReasonRejected})
	}
	require.NoError(t, f.tr.Send(ctx, target.Target{Topic: "notifications.dlq"}, transport.Info, transport.Message{Body: []byte("stray")}))

	r := hark(t, ctx, "", "dlq", "replay", "--url", f.url, "--wait", "100ms", "--event-type", `a\.`, "--limit", "2")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.err, "replayed 2 dead letters")
	oms, _ := receive(t, f.l, 2)
	assert.Equal(t, "a.one", oms[0].EventType)
	assert.Equal(t, "a.three", oms[1].EventType)

	// Without a selection, what cannot be replayed stays.
	r = hark(t, ctx, "", "dlq", "replay", "--url", f.url, "--wait", "100ms")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.err, "replayed 2 dead letters from openstack/notifications.dlq (3 read, 1 left in place)")
	oms, _ = receive(t, f.l, 2)
	assert.Equal(t, "b.two", oms[0].EventType)
	assert.Equal(t, "a.four", oms[1].EventType)
	recs := f.list(t)
	require.Len(t, recs, 1)
	assert.Contains(t, recs[0]["error"], "not a dead-letter record")
}

func TestDLQReplay_undecodable_original_goes_back_too(t *testing.T) {
	f := newDLQFixture(t)
	ctx := testutil.Within(t, 10*time.Second)
	require.NoError(t, f.tr.Send(ctx, target.Target{Topic: "notifications"}, transport.Error, transport.Message{Body: []byte("{not json")}))
	orig := f.deadLetterNext(t, transport.DeadLetterInfo{Reason: transport.ReasonDecode, LastError: "invalid character"})

	r := hark(t, ctx, "", "dlq", "replay", "--url", f.url, "--wait", "100ms", "--reason", "decode_error")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.out, "replayed")
	d, err := f.l.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, orig.Body, d.Message().Body)
	assert.Equal(t, transport.Error, d.Source().Priority)
	require.NoError(t, d.Ack(ctx))
}

func TestDLQFlags_parse(t *testing.T) {
	base := dlqFlags{topic: "notifications", wait: time.Second}
	r, err := base.parse()
	require.NoError(t, err)
	assert.Equal(t, target.Target{Topic: "notifications.dlq"}, r.target)

	for _, tc := range []struct {
		name    string
		change  func(*dlqFlags)
		wantErr string
	}{
		{"bad topic", func(f *dlqFlags) { f.topic = "" }, "--topic"},
		{"bad dlq topic", func(f *dlqFlags) { f.dlqTopic = "a b" }, "--dlq-topic"},
		{"bad exchange", func(f *dlqFlags) { f.exchange = "a/b" }, "--exchange"},
		{"negative limit", func(f *dlqFlags) { f.limit = -1 }, "--limit"},
		{"zero wait", func(f *dlqFlags) { f.wait = 0 }, "--wait"},
		{"bad priority", func(f *dlqFlags) { f.priorities = []string{"x"} }, "--priority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base
			tc.change(&f)
			_, err := f.parse()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Equal(t, exitUsage, exitCode(err, false))
		})
	}
}

func TestReplayMessage_id(t *testing.T) {
	rec := transport.DeadLetter{
		Original:   transport.Message{ID: "abc", Body: []byte("b"), Header: transport.Header{"h": "v"}},
		Deliveries: 5,
		Time:       time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
	}
	m := replayMessage(rec)
	assert.Equal(t, rec.Original.Body, m.Body)
	assert.Equal(t, rec.Original.Header, m.Header)
	assert.Regexp(t, `^abc~replay-[0-9a-f]{16}$`, m.ID)
	assert.Equal(t, m.ID, replayMessage(rec).ID, "the same record replays under the same id")

	later := rec
	later.Time = rec.Time.Add(time.Second)
	assert.NotEqual(t, m.ID, replayMessage(later).ID, "another dead-lettering is another replay")

	again := rec
	again.Original.ID = m.ID
	assert.Regexp(t, `^abc~replay-[0-9a-f]{16}$`, replayMessage(again).ID, "replay suffixes do not pile up")
	assert.NotEqual(t, m.ID, replayMessage(again).ID)
}
