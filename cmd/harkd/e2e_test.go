package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bounds of the end-to-end waits: generous for a loaded CI machine, never
// reached when things work.
const (
	readyTimeout = 20 * time.Second
	waitTimeout  = 20 * time.Second
	exitTimeout  = 40 * time.Second
)

// TestE2EZeroSetupReceivesNotify: harkd with no config at all starts an
// embedded NATS server, prints how to send with hark notify, and logs a
// notification sent that way; SIGTERM exits 0.
func TestE2EZeroSetupReceivesNotify(t *testing.T) {
	needHark(t)
	d := startHarkd(t, harkdOpts{})
	d.waitReady(readyTimeout)
	d.eventually(waitTimeout, "the hark notify hint on stdout", func() bool {
		return strings.Contains(d.stdout.String(), "hark notify")
	})
	assert.Contains(t, d.stdout.String(), "--url "+d.natsURL)

	mustHark(t, d.natsURL, "notify", "--event-type", "compute.instance.create.end",
		"--publisher-id", "compute.host1", "--payload", `{"instance_id": "i-1"}`)
	d.waitLog(waitTimeout, `"event_type":"compute.instance.create.end"`)
	assert.Contains(t, d.stderr.String(), `"payload":{"instance_id":"i-1"}`)
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="info"}`, 1)
	assert.Equal(t, 1.0, d.metric(`hark_endpoint_calls_total{endpoint="log",result="handled"}`))
	assert.Equal(t, 1.0, d.metric("hark_transport_up"))
	code, _, err := d.get("/healthz")
	require.NoError(t, err)
	assert.Equal(t, 200, code)

	// The default store is ./hark-data in the working directory.
	_, err = os.Stat(filepath.Join(d.dir, "hark-data"))
	assert.NoError(t, err)

	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// TestE2EFileEndpointFilter: a filtered file endpoint writes exactly the
// matching notifications, each line with exactly the contract's keys.
func TestE2EFileEndpointFilter(t *testing.T) {
	needHark(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "audit.jsonl")
	d := startHarkd(t, harkdOpts{dir: dir, config: fmt.Sprintf(`
listener:
  requeue: {backoff: [100ms]}
endpoints:
  - name: audit
    type: file
    path: %s
    priorities: [info, error]
    filter: {event_type: '^compute\.instance\.', payload: {state: '^active$'}}
  - {name: everything, type: log, level: debug}
`, out)})
	d.waitReady(readyTimeout)

	send := func(priority, eventType, payload string) {
		mustHark(t, d.natsURL, "notify", "--priority", priority, "--event-type", eventType,
			"--publisher-id", "compute.host1", "--payload", payload, "--context", `{"request_id": "req-1"}`)
	}
	send("info", "compute.instance.create.end", `{"state": "active", "n": 1}`)     // match
	send("info", "compute.instance.create.end", `{"state": "building", "n": 2}`)   // payload differs
	send("info", "image.upload", `{"state": "active", "n": 3}`)                    // event type differs
	send("warn", "compute.instance.update", `{"state": "active", "n": 4}`)         // priority not selected
	send("error", "compute.instance.delete.end", `{"state": "active", "n": 5}`)    // match
	send("info", "compute.instance.create.end", `{"state": "active_ish", "n": 6}`) // re.match is not anchored at the end... but $ is

	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="info"}`, 4)
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="error"}`, 1)
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="warn"}`, 1)

	lines := readJSONLines(t, out)
	require.Len(t, lines, 2)
	var ns []float64
	for _, l := range lines {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range l {
				if !yield(k) {
					return
				}
			}
		})
		assert.Equal(t, []string{"context", "event_type", "metadata", "payload", "priority", "publisher_id"}, keys)
		md := l["metadata"].(map[string]any)
		assert.Len(t, md, 3)
		assert.NotEmpty(t, md["message_id"])
		assert.NotEmpty(t, md["timestamp"])
		assert.Equal(t, 1.0, md["deliveries"])
		assert.Equal(t, "compute.host1", l["publisher_id"])
		assert.Equal(t, "req-1", l["context"].(map[string]any)["request_id"])
		ns = append(ns, l["payload"].(map[string]any)["n"].(float64))
	}
	slices.Sort(ns)
	assert.Equal(t, []float64{1, 5}, ns)

	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// flakyHook is a webhook receiver that answers the statuses in order, then
// the last one, and records the message ids it was given.
type flakyHook struct {
	mu       sync.Mutex
	statuses []int
	calls    int
	ids      []string
	srv      *httptest.Server
}

func newFlakyHook(t *testing.T, statuses ...int) *flakyHook {
	h := &flakyHook{statuses: statuses}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h.mu.Lock()
		status := h.statuses[min(h.calls, len(h.statuses)-1)]
		h.calls++
		h.ids = append(h.ids, r.Header.Get("X-Hark-Message-Id"))
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *flakyHook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

func (h *flakyHook) setStatuses(s ...int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.statuses, h.calls = s, 0
}

// TestE2EWebhookRetriedThenHandled: a receiver that fails twice, then
// succeeds, gets three requests and the notification ends HANDLED.
func TestE2EWebhookRetriedThenHandled(t *testing.T) {
	needHark(t)
	hook := newFlakyHook(t, 500, 503, 200)
	d := startHarkd(t, harkdOpts{config: fmt.Sprintf(`
listener:
  requeue: {max_deliveries: 3, backoff: [100ms]}
endpoints:
  - {name: hook, type: webhook, url: %q, retries: 3, retries_delay: 50ms, timeout: 2s}
`, hook.srv.URL+"/hook")})
	d.waitReady(readyTimeout)
	mustHark(t, d.natsURL, "notify", "--event-type", "billing.charge")
	d.waitMetric(waitTimeout, `hark_endpoint_calls_total{endpoint="hook",result="handled"}`, 1)
	assert.Equal(t, 3, hook.count())
	assert.Equal(t, 1.0, d.metric(`hark_notifications_acked_total{priority="info"}`))
	assert.Equal(t, 0.0, d.metric(`hark_notifications_requeued_total{priority="info"}`))
	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// TestE2EWebhookDeadLetterAndReplay: a receiver that always answers 500
// gets the notification max_deliveries times, after which it is in the
// dead-letter queue; hark dlq replay puts it back, and once the receiver
// is fixed it is handled.
func TestE2EWebhookDeadLetterAndReplay(t *testing.T) {
	needHark(t)
	hook := newFlakyHook(t, 500)
	d := startHarkd(t, harkdOpts{config: fmt.Sprintf(`
listener:
  requeue: {allow: true, max_deliveries: 3, backoff: [100ms]}
endpoints:
  - {name: hook, type: webhook, url: %q, retries: 1, retries_delay: 10ms, timeout: 2s}
`, hook.srv.URL+"/hook")})
	d.waitReady(readyTimeout)
	mustHark(t, d.natsURL, "notify", "--event-type", "billing.charge", "--payload", `{"amount": 3}`)

	d.waitMetric(waitTimeout, `hark_notifications_dead_lettered_total{reason="max_deliveries"}`, 1)
	assert.Equal(t, 6, hook.count(), "3 deliveries x (1 + 1 retry)")
	assert.Equal(t, 2.0, d.metric(`hark_notifications_requeued_total{priority="info"}`))

	list := mustHark(t, d.natsURL, "dlq", "list", "--json")
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.SplitN(strings.TrimSpace(list), "\n", 2)[0]), &rec), list)
	assert.Equal(t, "max_deliveries", rec["reason"])
	assert.Equal(t, "hook", rec["endpoint"])
	assert.Contains(t, rec["last_error"], "500")

	hook.setStatuses(200)
	mustHark(t, d.natsURL, "dlq", "replay")
	d.waitMetric(waitTimeout, `hark_endpoint_calls_total{endpoint="hook",result="handled"}`, 1)
	assert.Equal(t, 1.0, d.metric(`hark_notifications_acked_total{priority="info"}`))
	hook.mu.Lock()
	ids := slices.Clone(hook.ids)
	hook.mu.Unlock()
	require.NotEmpty(t, ids)
	assert.Equal(t, ids[0], ids[len(ids)-1], "the replayed notification keeps its message id")

	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// TestE2ESIGTERMLosesNothing: SIGTERM while notifications are being
// handled and more wait in the broker; harkd finishes what it has, exits
// 0, and a restart handles the rest: every notification sent is written
// exactly once.
func TestE2ESIGTERMLosesNothing(t *testing.T) {
	needHark(t)
	const sent = 120
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	cfg := fmt.Sprintf(`
listener:
  workers: 8
  shutdown_timeout: 20s
endpoints:
  - {name: slow, type: exec, command: [/bin/sh, -c, "cat >/dev/null; sleep 0.1"]}
  - {name: out, type: file, path: %s}
`, out)
	natsListen, httpListen := freeAddr(t), freeAddr(t)
	d := startHarkd(t, harkdOpts{dir: dir, config: cfg, natsListen: natsListen, httpListen: httpListen})
	d.waitReady(readyTimeout)
	mustHark(t, d.natsURL, "notify", "--count", strconv.Itoa(sent), "--event-type", "load.test")
	// Stop once some are written and (at 8 workers x 0.1s) most are not.
	d.eventually(waitTimeout, "the first lines", func() bool { return len(readJSONLines(t, out)) >= 8 })
	d.signal(syscall.SIGTERM)
	require.Equal(t, 0, d.wait(exitTimeout), "graceful stop exits 0")
	assert.Contains(t, d.stderr.String(), `"msg":"stopped"`)
	first := len(readJSONLines(t, out))
	t.Logf("written before SIGTERM completed: %d of %d", first, sent)
	assert.Less(t, first, sent, "the test must stop harkd with work left")

	d2 := startHarkd(t, harkdOpts{dir: dir, config: cfg, natsListen: natsListen, httpListen: httpListen})
	d2.waitReady(readyTimeout)
	d2.eventually(waitTimeout, "every notification written", func() bool { return len(readJSONLines(t, out)) >= sent })
	time.Sleep(300 * time.Millisecond) // a duplicate would show up now
	lines := readJSONLines(t, out)
	ids := map[string]int{}
	for _, l := range lines {
		ids[l["metadata"].(map[string]any)["message_id"].(string)]++
	}
	assert.Len(t, ids, sent, "every notification sent was written")
	assert.Len(t, lines, sent, "none twice")
	d2.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d2.wait(exitTimeout))
}

// TestE2ESIGHUPReloadsFilter: a changed filter takes effect on SIGHUP; a
// broken config is rejected with the running one kept.
func TestE2ESIGHUPReloadsFilter(t *testing.T) {
	needHark(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	cfg := func(pattern string) string {
		return fmt.Sprintf("endpoints:\n  - {name: out, type: file, path: %s, filter: {event_type: '%s'}}\n", out, pattern)
	}
	d := startHarkd(t, harkdOpts{dir: dir, config: cfg(`^a\.`)})
	d.waitReady(readyTimeout)
	var acked atomic.Int64
	send := func(eventType string) {
		mustHark(t, d.natsURL, "notify", "--event-type", eventType)
		d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="info"}`, float64(acked.Add(1)))
	}
	eventTypes := func() []string {
		var s []string
		for _, l := range readJSONLines(t, out) {
			s = append(s, l["event_type"].(string))
		}
		return s
	}
	send("a.1")
	send("b.1")
	assert.Equal(t, []string{"a.1"}, eventTypes())

	require.NoError(t, os.WriteFile(d.configPath(), []byte(cfg(`^b\.`)), 0o600))
	d.signal(syscall.SIGHUP)
	d.waitMetric(waitTimeout, `hark_config_reloads_total{result="success"}`, 1)
	send("a.2")
	send("b.2")
	assert.Equal(t, []string{"a.1", "b.2"}, eventTypes())

	// A bad regex: rejected, the running filter stays.
	require.NoError(t, os.WriteFile(d.configPath(), []byte(cfg(`^(?=c)`)), 0o600))
	d.signal(syscall.SIGHUP)
	d.waitMetric(waitTimeout, `hark_config_reloads_total{result="failure"}`, 1)
	// The log line travels through a pipe apart from the metric.
	d.waitLog(waitTimeout, "reload rejected")
	assert.Contains(t, d.stderr.String(), "reload rejected")
	assert.Contains(t, d.stderr.String(), "endpoints[0].filter.event_type")
	send("b.3")
	assert.Equal(t, []string{"a.1", "b.2", "b.3"}, eventTypes())

	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// TestE2ECheck: --check accepts a valid config and rejects an unknown key
// and a bad regex, naming the key path.
func TestE2ECheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	good := write("good.yaml", "listener: {workers: 4}\nendpoints: [{type: log}]\n")
	_, stderr, code := runHarkd(t, dir, nil, "--config", good, "--check")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "is valid")

	typo := write("typo.yaml", "listener: {wrokers: 4}\n")
	_, stderr, code = runHarkd(t, dir, nil, "--config", typo, "--check")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, "listener.wrokers")
	assert.Contains(t, stderr, "unknown key")

	badRe := write("regex.yaml", "endpoints:\n  - {type: log, filter: {event_type: '^compute\\.(?!x)'}}\n")
	_, stderr, code = runHarkd(t, dir, nil, "--config", badRe, "--check")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, "endpoints[0].filter.event_type")
	assert.Contains(t, stderr, `^compute\.(?!x)`)
	assert.NotContains(t, stderr, "goroutine", "an error message, not a stack trace")

	badStart := write("start.yaml", "listener: {start: yesterday}\nmetrics: {backlog_interval: -1s}\n")
	_, stderr, code = runHarkd(t, dir, nil, "--config", badStart, "--check")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, `listener.start: invalid value: "yesterday"`)
	assert.Contains(t, stderr, "metrics.backlog_interval")

	// The environment is checked too, and --print-config redacts secrets.
	_, stderr, code = runHarkd(t, dir, []string{"HARK_LISTENER__WORKERS=lots"}, "--check")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, "listener.workers")
	stdout, _, code := runHarkd(t, dir, nil, "--print-config", "--transport-url", "nats://u:hunter2@127.0.0.1:1")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "transport_url: nats://u:***@127.0.0.1:1")
	assert.NotContains(t, stdout, "hunter2")
}

// TestE2EUnreachableBroker: with a broker that does not answer, harkd
// says so clearly, /readyz answers 503 (and /healthz 200) while it keeps
// retrying, and SIGTERM still stops it cleanly.
func TestE2EUnreachableBroker(t *testing.T) {
	dead := freeAddr(t) // nothing listens there
	d := startHarkd(t, harkdOpts{args: []string{"--transport-url", "nats://" + dead}})
	d.waitLog(waitTimeout, "cannot connect to nats://"+dead)
	d.eventually(waitTimeout, "a second attempt", func() bool { return strings.Contains(d.stderr.String(), `"attempt":2`) })
	code, body, err := d.get("/readyz")
	require.NoError(t, err)
	assert.Equal(t, 503, code)
	assert.Contains(t, body, "connecting to nats://"+dead)
	code, _, err = d.get("/healthz")
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	assert.Equal(t, 0.0, d.metric("hark_transport_up"))
	assert.True(t, d.running(), "harkd keeps retrying")
	assert.NotContains(t, d.stderr.String(), "goroutine ")

	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// TestE2EEmbeddedPortTaken: a taken embedded NATS port is a clear message
// that says how to pick another, not a stack trace.
func TestE2EEmbeddedPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	taken := l.Addr().String()
	dir := t.TempDir()
	_, stderr, code := runHarkd(t, dir, []string{"HARK_EMBEDDED__LISTEN=" + taken, "HARK_HTTP__LISTEN=" + freeAddr(t)})
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "cannot start the embedded NATS server on "+taken)
	assert.Contains(t, stderr, "embedded.listen")
	assert.Contains(t, stderr, "HARK_EMBEDDED__LISTEN")
	assert.NotContains(t, stderr, "goroutine ")

	// The same for the operations server's port.
	_, stderr, code = runHarkd(t, dir, []string{"HARK_EMBEDDED__LISTEN=" + freeAddr(t), "HARK_HTTP__LISTEN=" + taken})
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "http.listen")
}

// TestE2EBatchListener: with batch.size set, a batch listener writes every
// notification through the file endpoint's batch form.
func TestE2EBatchListener(t *testing.T) {
	needHark(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	d := startHarkd(t, harkdOpts{dir: dir, config: fmt.Sprintf(`
listener: {batch: {size: 5, timeout: 100ms}}
endpoints: [{name: out, type: file, path: %s}]
`, out)})
	d.waitReady(readyTimeout)
	mustHark(t, d.natsURL, "notify", "--count", "12", "--event-type", "batch.test")
	d.eventually(waitTimeout, "12 lines", func() bool { return len(readJSONLines(t, out)) >= 12 })
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="info"}`, 12)
	assert.Len(t, readJSONLines(t, out), 12)
	assert.GreaterOrEqual(t, d.metric(`hark_endpoint_calls_total{endpoint="out",result="handled"}`), 3.0)
	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// TestE2EForwardBridge: harkd A forwards to another topic of its own
// (embedded) NATS; harkd B, pointed at A's server, listens there and
// writes what arrives: the same notification, message id included.
func TestE2EForwardBridge(t *testing.T) {
	needHark(t)
	a := startHarkd(t, harkdOpts{config: `
endpoints:
  - {name: bridge, type: forward, topic: copies}
`})
	a.waitReady(readyTimeout)
	dir := t.TempDir()
	out := filepath.Join(dir, "copies.jsonl")
	b := startHarkd(t, harkdOpts{dir: dir, args: []string{"--transport-url", a.natsURL}, config: fmt.Sprintf(`
listener: {targets: [{exchange: openstack, topic: copies}]}
endpoints: [{name: out, type: file, path: %s}]
`, out)})
	b.waitReady(readyTimeout)

	mustHark(t, a.natsURL, "notify", "--event-type", "bridge.test", "--payload", `{"x": 1.50}`)
	a.waitMetric(waitTimeout, `hark_endpoint_calls_total{endpoint="bridge",result="handled"}`, 1)
	b.eventually(waitTimeout, "the forwarded copy", func() bool { return len(readJSONLines(t, out)) >= 1 })
	lines := readJSONLines(t, out)
	require.Len(t, lines, 1)
	assert.Equal(t, "bridge.test", lines[0]["event_type"])
	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"payload":{"x":1.50}`, "the payload as sent (1.50, not 1.5)")

	for _, d := range []*daemonProc{b, a} {
		d.signal(syscall.SIGTERM)
		assert.Equal(t, 0, d.wait(exitTimeout))
	}
}
