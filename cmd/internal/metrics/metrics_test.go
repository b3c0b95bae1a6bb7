package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(b)
}

func TestNamesAndCounts(t *testing.T) {
	m := New()
	for _, k := range []notify.EventKind{notify.EventReceived, notify.EventReceived, notify.EventReceived, notify.EventReceived} {
		m.ObserveEvent(notify.Event{Kind: k, Priority: "info"})
	}
	m.ObserveEvent(notify.Event{Kind: notify.EventAcked, Priority: "info"})
	m.ObserveEvent(notify.Event{Kind: notify.EventRequeued, Priority: "info"})
	m.ObserveEvent(notify.Event{Kind: notify.EventDeadLettered, Priority: "info", Reason: "max_deliveries"})
	m.ObserveEvent(notify.Event{Kind: notify.EventReceived, Priority: "info"})
	m.ObserveEvent(notify.Event{Kind: notify.EventDuplicate, Priority: "info"})
	m.ObserveCall(dispatcher.Call{Endpoint: "audit", Result: dispatcher.Handled, Duration: 3 * time.Millisecond})
	m.ObserveCall(dispatcher.Call{Endpoint: "audit", Result: dispatcher.Requeue, Panicked: true})
	m.SetTransportCheck(func() bool { return true })
	out := scrape(t, m)
	for _, want := range []string{
		`hark_notifications_received_total{priority="info"} 5`,
		`hark_notifications_duplicate_total{priority="info"} 1`,
		`hark_notifications_received_total{priority="sample"} 0`,
		`hark_notifications_acked_total{priority="info"} 1`,
		`hark_notifications_requeued_total{priority="info"} 1`,
		`hark_notifications_dead_lettered_total{reason="max_deliveries"} 1`,
		`hark_endpoint_calls_total{endpoint="audit",result="handled"} 1`,
		`hark_endpoint_calls_total{endpoint="audit",result="panic"} 1`,
		`hark_endpoint_duration_seconds_count{endpoint="audit"} 2`,
		`hark_inflight 1`,
		`hark_transport_up 1`,
		`go_goroutines`,
		`process_start_time_seconds`,
	} {
		assert.True(t, strings.Contains(out, want), "missing %s", want)
	}
}

func TestPrivateRegistries(t *testing.T) {
	a, b := New(), New() // would panic on a shared registry
	a.SetTransportCheck(func() bool { return true })
	assert.Contains(t, scrape(t, b), "hark_transport_up 0")
}

// TestLabelRedactor: label values from the config go through the
// redactor, so a secret never names a series.
func TestLabelRedactor(t *testing.T) {
	m := New(WithLabelRedactor(func(s string) string { return strings.ReplaceAll(s, "SECRETN", "REDACTED") }))
	m.ObserveCall(dispatcher.Call{Endpoint: "ep-SECRETN", Result: dispatcher.Handled})
	m.ObserveCall(dispatcher.Call{Endpoint: "ep-SECRETN", Result: dispatcher.Reject(nil)})
	m.NewBacklog().Set([]transport.Backlog{{Pool: "p-SECRETN", Exchange: "x", Topic: "t-SECRETN", Messages: 3}})
	out := scrape(t, m)
	assert.NotContains(t, out, "SECRETN")
	assert.Contains(t, out, `hark_endpoint_calls_total{endpoint="ep-REDACTED",result="reject"} 1`)
	assert.Contains(t, out, `hark_backlog_messages{exchange="x",pool="p-REDACTED",topic="t-REDACTED"} 3`)
}

// priorityValues returns, per metric family with a priority label, the
// distinct values of that label.
func priorityValues(t *testing.T, m *Metrics) map[string]map[string]bool {
	t.Helper()
	mfs, err := m.Registry().Gather()
	require.NoError(t, err)
	out := map[string]map[string]bool{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() == "priority" || lp.GetName() == "reason" {
					if out[mf.GetName()] == nil {
						out[mf.GetName()] = map[string]bool{}
					}
					out[mf.GetName()][lp.GetValue()] = true
				}
			}
		}
	}
	return out
}

// The priority comes from the message body: 5,000 bogus ones must not make
// 5,000 series per metric, but count as "unknown" next to the seven.
// Reasons are bounded the same way.
func TestBodyDerivedLabelsAreBounded(t *testing.T) {
	m := New()
	kinds := []notify.EventKind{notify.EventAcked, notify.EventRequeued, notify.EventDeadLettered, notify.EventDropped, notify.EventDuplicate, notify.EventAbandoned}
	for i := range 5000 {
		p := transport.Priority(fmt.Sprintf("bogus-%d", i))
		m.ObserveEvent(notify.Event{Kind: notify.EventReceived, Priority: p})
		m.ObserveEvent(notify.Event{Kind: kinds[i%len(kinds)], Priority: p, Reason: fmt.Sprintf("reason-%d", i)})
	}
	m.ObserveEvent(notify.Event{Kind: notify.EventReceived, Priority: "INFO"}) // not lower case: not a priority label either
	m.ObserveEvent(notify.Event{Kind: notify.EventDeadLettered, Priority: transport.Error, Reason: transport.ReasonDecode})

	values := priorityValues(t, m)
	for _, name := range []string{"hark_notifications_received_total", "hark_notifications_acked_total", "hark_notifications_requeued_total",
		"hark_notifications_dropped_total", "hark_notifications_duplicate_total", "hark_notifications_abandoned_total"} {
		assert.LessOrEqual(t, len(values[name]), 8, "%s has %d priority series", name, len(values[name]))
		assert.True(t, values[name]["unknown"], "%s counts bogus priorities as unknown", name)
	}
	assert.Equal(t, map[string]bool{"other": true, transport.ReasonDecode: true}, values["hark_notifications_dead_lettered_total"])

	out := scrape(t, m)
	for _, want := range []string{
		`hark_notifications_received_total{priority="unknown"} 5001`,
		`hark_notifications_dead_lettered_total{reason="other"} 833`,
	} {
		assert.True(t, strings.Contains(out, want), "missing %s", want)
	}
}
