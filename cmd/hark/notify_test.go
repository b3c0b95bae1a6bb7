package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// defaults are the notify flags as cobra would set them without any given.
func defaults() notifyFlags {
	return notifyFlags{
		topics: []string{"notifications"}, priority: "info", eventType: "hark.notify", publisherID: "hark.test",
		payload: "{}", count: 1, driver: "messagingv2", retry: -1, timeout: 90 * time.Second, attemptTimeout: 10 * time.Second, concurrency: 1,
	}
}

func TestNotifyFlags_parse(t *testing.T) {
	dir := t.TempDir()
	payloadFile := filepath.Join(dir, "payload.json")
	require.NoError(t, os.WriteFile(payloadFile, []byte(`{"from": "file"}`), 0o600))

	for _, tc := range []struct {
		name    string
		change  func(*notifyFlags)
		stdin   string
		wantErr string
		check   func(t *testing.T, r notifyRequest)
	}{
		{name: "defaults", check: func(t *testing.T, r notifyRequest) {
			assert.Equal(t, transport.Info, r.prio)
			assert.JSONEq(t, `{}`, string(r.body))
			assert.Nil(t, r.reqCtxt)
		}},
		{name: "priority any case", change: func(f *notifyFlags) { f.priority = "ERROR" },
			check: func(t *testing.T, r notifyRequest) { assert.Equal(t, transport.Error, r.prio) }},
		{name: "unknown priority", change: func(f *notifyFlags) { f.priority = "warning" }, wantErr: `--priority "warning"`},
		{name: "unknown driver", change: func(f *notifyFlags) { f.driver = "log" }, wantErr: `--driver "log"`},
		{name: "v1 driver", change: func(f *notifyFlags) { f.driver = "messaging" }},
		{name: "bad exchange", change: func(f *notifyFlags) { f.exchange = "a.b" }, wantErr: "--exchange"},
		{name: "bad topic", change: func(f *notifyFlags) { f.topics = []string{"a..b"} }, wantErr: "--topic"},
		{name: "negative count", change: func(f *notifyFlags) { f.count = -1 }, wantErr: "--count -1: must not be negative (0: until interrupted)"},
		{name: "zero concurrency", change: func(f *notifyFlags) { f.concurrency = 0 }, wantErr: "--concurrency 0"},
		{name: "zero timeout", change: func(f *notifyFlags) { f.timeout = 0 }, wantErr: "--timeout"},
		{name: "payload inline", change: func(f *notifyFlags) { f.payload = `[1, 2.50, "x"]` },
			check: func(t *testing.T, r notifyRequest) { assert.Equal(t, `[1, 2.50, "x"]`, string(r.body)) }},
		{name: "payload scalar", change: func(f *notifyFlags) { f.payload = `"text"` }},
		{name: "payload invalid", change: func(f *notifyFlags) { f.payload = `{"a":` }, wantErr: "--payload is not valid JSON"},
		{name: "payload two values", change: func(f *notifyFlags) { f.payload = `{} {}` }, wantErr: "more than one JSON value"},
		{name: "payload empty", change: func(f *notifyFlags) { f.payload = `` }, wantErr: "empty"},
		{name: "payload file", change: func(f *notifyFlags) { f.payload = "@" + payloadFile },
			check: func(t *testing.T, r notifyRequest) { assert.JSONEq(t, `{"from": "file"}`, string(r.body)) }},
		{name: "payload missing file", change: func(f *notifyFlags) { f.payload = "@" + filepath.Join(dir, "nope") }, wantErr: "no such file"},
		{name: "payload stdin", change: func(f *notifyFlags) { f.payload = "@-" }, stdin: `{"from": "stdin"}`,
			check: func(t *testing.T, r notifyRequest) { assert.JSONEq(t, `{"from": "stdin"}`, string(r.body)) }},
		{name: "context", change: func(f *notifyFlags) { f.context = `{"request_id": "req-1", "n": 12345678901234567890}` },
			check: func(t *testing.T, r notifyRequest) {
				assert.Equal(t, "req-1", r.reqCtxt["request_id"])
				assert.Equal(t, json.Number("12345678901234567890"), r.reqCtxt["n"], "numbers are kept as written")
				assert.Equal(t, []string{"request_id", "n"}, r.ctxtKeys, "the caller's order, as oslo keeps it")
			}},
		{name: "context and payload with NaN", change: func(f *notifyFlags) { f.context, f.payload = `{"r": -Infinity}`, `[NaN]` },
			check: func(t *testing.T, r notifyRequest) {
				assert.Equal(t, json.Number("-Infinity"), r.reqCtxt["r"])
				assert.Equal(t, `[NaN]`, string(r.body))
			}},
		{name: "context not an object", change: func(f *notifyFlags) { f.context = `[1]` }, wantErr: "want a JSON object"},
		{name: "stdin twice", change: func(f *notifyFlags) { f.payload, f.context = "@-", "@-" }, stdin: `{}`, wantErr: "already used"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := defaults()
			if tc.change != nil {
				tc.change(&f)
			}
			r, err := f.parse(strings.NewReader(tc.stdin))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Equal(t, exitUsage, exitCode(err, false), "a bad flag value is a usage error")
				return
			}
			require.NoError(t, err)
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestNotify_sends_oslo_notification(t *testing.T) {
	url, tr := memURL(t)
	ctx := testutil.Within(t, 10*time.Second)
	r := hark(t, ctx, `{"state": "active"}`, "notify", "--url", url,
		"--priority", "error", "--event-type", "compute.instance.create.end", "--publisher-id", "compute.host1",
		"--payload", "@-", "--context", `{"request_id": "req-1"}`)
	require.Equal(t, exitOK, r.code, r.err)
	assert.Equal(t, "sent 1 notification (error compute.instance.create.end) to openstack/notifications in ", r.out[:strings.LastIndex(r.out, " ")+1])

	// The non-pooled queue keeps it (the backlog) for a listener that
	// starts later.
	l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: "notifications"}}, Priorities: []transport.Priority{transport.Error}})
	require.NoError(t, err)
	defer l.Close()
	oms, _ := receive(t, l, 1)
	om := oms[0]
	assert.Equal(t, 2, om.Version)
	assert.Equal(t, "ERROR", om.Priority)
	assert.Equal(t, "compute.instance.create.end", om.EventType)
	assert.Equal(t, "compute.host1", om.PublisherID)
	assert.JSONEq(t, `{"state": "active"}`, string(om.Payload))
	assert.Equal(t, map[string]any{"request_id": "req-1"}, om.Context)
}

func TestNotify_v1_driver_exchange_and_topics(t *testing.T) {
	url, tr := memURL(t)
	ctx := testutil.Within(t, 10*time.Second)
	r := hark(t, ctx, "", "notify", "--url", url, "--driver", "messaging", "--exchange", "nova", "--topic", "a", "--topic", "b.c")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.out, "to nova/a, nova/b.c")

	l, err := tr.Listen(ctx, transport.ListenConfig{
		Targets:    []target.Target{{Exchange: "nova", Topic: "a"}, {Exchange: "nova", Topic: "b.c"}},
		Priorities: []transport.Priority{transport.Info},
	})
	require.NoError(t, err)
	defer l.Close()
	oms, _ := receive(t, l, 2)
	for _, om := range oms {
		assert.Equal(t, 1, om.Version, "--driver messaging sends the v1 body")
	}
}

func TestNotify_count_prints_summary(t *testing.T) {
	url, tr := memURL(t)
	ctx := testutil.Within(t, 20*time.Second)
	r := hark(t, ctx, "", "notify", "--url", url, "--count", "200", "--concurrency", "8", "--json")
	require.Equal(t, exitOK, r.code, r.err)
	var s notifySummary
	require.NoError(t, json.Unmarshal([]byte(r.out), &s), r.out)
	assert.EqualValues(t, 200, s.Sent)
	assert.Equal(t, 200, s.Requested)
	assert.Positive(t, s.ElapsedSeconds)
	assert.Positive(t, s.PerSecond)
	assert.Equal(t, "openstack", s.Exchange)

	l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: "notifications"}}, Priorities: []transport.Priority{transport.Info}})
	require.NoError(t, err)
	defer l.Close()
	oms, _ := receive(t, l, 200)
	ids := map[string]bool{}
	for _, om := range oms {
		ids[om.MessageID] = true
	}
	assert.Len(t, ids, 200, "every notification has its own message id")
	nothingMore(t, l, 50*time.Millisecond)

	r = hark(t, ctx, "", "notify", "--url", url, "--count", "3")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Regexp(t, `^sent 3 notifications \(info hark.notify\) to openstack/notifications in \S+: \d+ msg/s\n$`, r.out)
}

func TestNotify_unreachable_broker_fails_fast(t *testing.T) {
	start := time.Now()
	r := hark(t, testutil.Within(t, 30*time.Second), "", "notify", "--url", "nats://127.0.0.1:1")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.err, "hark: cannot connect to nats://127.0.0.1:1:")
	assert.Empty(t, r.out)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestNotify_connect_timeout(t *testing.T) {
	// A loopback listener that accepts and never says a word: the NATS
	// handshake waits for the server's INFO, so only --connect-timeout
	// ends the dial.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 16)
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-accepted:
				c.Close()
			default:
				return
			}
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case accepted <- c:
			default:
				c.Close()
			}
		}
	}()
	url := "nats://" + ln.Addr().String()
	start := time.Now()
	r := hark(t, testutil.Within(t, 30*time.Second), "", "notify", "--url", url, "--connect-timeout", "300ms")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.err, "cannot connect to "+url)
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestNotify_interrupted(t *testing.T) {
	url, _ := memURL(t)
	r := hark(t, canceled(), "", "notify", "--url", url, "--count", "10")
	assert.Equal(t, exitInterrupted, r.code, r.err)
	assert.Contains(t, r.err, "interrupted")
}

// TestNotify_count_zero_until_interrupted: --count 0 sends until
// interrupted, like tail --count 0, and an interruption is then its normal
// end: the summary, exit 0.
func TestNotify_count_zero_until_interrupted(t *testing.T) {
	url, tr := memURL(t)
	ctx := testutil.Within(t, 20*time.Second)
	l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: "notifications"}}, Priorities: []transport.Priority{transport.Info}})
	require.NoError(t, err)
	defer l.Close()
	r := start(t, "notify", "--url", url, "--count", "0", "--concurrency", "2", "--quiet")
	receive(t, l, 50)
	r.cancel()
	require.Equal(t, exitOK, r.wait(t), r.err.String())
	assert.Regexp(t, `^sent \d+ notifications \(info hark.notify\) to openstack/notifications in \S+: \d+ msg/s\n$`, r.out.String())
	assert.Empty(t, r.err.String(), "--quiet, and no error")
	var sent int
	_, err = fmt.Sscanf(r.out.String(), "sent %d ", &sent)
	require.NoError(t, err)
	require.GreaterOrEqual(t, sent, 50)
	receive(t, l, sent-50) // every notification counted was sent, once
	nothingMore(t, l, 50*time.Millisecond)
}

// TestNotify_progress: more than one notification shows a progress line
// on standard error, ending with the final count; one, or --quiet, none.
func TestNotify_progress(t *testing.T) {
	url, _ := memURL(t)
	ctx := testutil.Within(t, 20*time.Second)
	r := hark(t, ctx, "", "notify", "--url", url, "--count", "20")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Regexp(t, `^hark notify: 20/20 \(100%\) [\d,]+ msg/s, [\d.]+s\n$`, r.err)
	r = hark(t, ctx, "", "notify", "--url", url, "--count", "20", "--quiet")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Empty(t, r.err)
	r = hark(t, ctx, "", "notify", "--url", url)
	require.Equal(t, exitOK, r.code, r.err)
	assert.Empty(t, r.err)
	assert.Regexp(t, `^sent 1 notification \(`, r.out)
}
