package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/harkmq/hark/cmd/internal/transports"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// TestE2ESecretsNeverLeak runs harkd with secrets in a webhook's URL path
// and query and in its Authorization header, whose receiver echoes them
// in its error pages, and an exec endpoint whose API key the command
// prints on stderr before failing. The receiver's 403 and the command's
// failure dead-letter two notifications; its 500 makes a third requeue,
// which (requeue not allowed) drops it with the error in a WARN line.
// None of the secrets appears in harkd's logs (at debug level), in the
// dead-letter records as the broker holds them, in /metrics or /readyz,
// or in --print-config.
func TestE2ESecretsNeverLeak(t *testing.T) {
	secrets := []string{"SECRETPATH", "SECRETQ", "SECRETH", "SECRETE"}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Hark-Event-Type") == "hook.dead" {
			w.WriteHeader(http.StatusForbidden)
		} else {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = fmt.Fprintf(w, "cannot take %s with Authorization: %s", r.URL, r.Header.Get("Authorization"))
	}))
	defer hook.Close()
	cfg := fmt.Sprintf(`
listener:
  requeue: {allow: false}
endpoints:
  - name: hook
    type: webhook
    url: %q
    retries: 1
    retries_delay: 10ms
    headers: {Authorization: "Bearer SECRETH"}
    filter: {event_type: '^hook\.'}
  - name: cmd
    type: exec
    command: [/bin/sh, -c, 'cat >/dev/null; echo "using key $API_KEY" >&2; exit 3']
    env: {API_KEY: SECRETE}
    filter: {event_type: '^cmd\.'}
`, hook.URL+"/hook/SECRETPATH?token=SECRETQ")
	d := startHarkd(t, harkdOpts{config: cfg, args: []string{"--log-level", "debug"}})
	d.waitReady(readyTimeout)

	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	tr, err := transports.Open(ctx, d.natsURL, zap.NewNop())
	require.NoError(t, err)
	defer tr.Close()
	for i, et := range []string{"hook.dead", "hook.drop", "cmd.x"} {
		msg, err := oslo.EncodeNotification(&oslo.OsloMessage{
			MessageID: fmt.Sprintf("00000000-0000-0000-0000-00000000000%d", i), PublisherID: "p", EventType: et,
			Priority: "INFO", Payload: json.RawMessage(`{}`), Timestamp: "2026-01-01 00:00:00.000000", Context: map[string]any{},
		}, oslo.EncodeOptions{})
		require.NoError(t, err)
		require.NoError(t, tr.Send(ctx, target.Target{Topic: "notifications"}, transport.Info, msg))
	}
	d.waitMetric(waitTimeout, `hark_notifications_dead_lettered_total{reason="rejected"}`, 2)
	d.waitMetric(waitTimeout, `hark_notifications_dropped_total{priority="info"}`, 1)

	// The records, byte for byte as the broker holds them.
	l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: "notifications" + transport.DeadLetterSuffix}},
		Priorities: transport.Priorities()})
	require.NoError(t, err)
	defer l.Close()
	var records []string
	for range 2 {
		dl, err := l.Next(ctx)
		require.NoError(t, err)
		m := dl.Message()
		records = append(records, fmt.Sprintf("%s %v", m.Body, m.Header))
	}
	all := strings.Join(records, "\n")
	assert.Contains(t, all, "403 Forbidden: cannot take REDACTED?REDACTED with Authorization: REDACTED", "the receiver's page is kept, redacted")
	assert.Contains(t, all, "using key REDACTED", "the command's stderr is kept, redacted")

	_, metricsBody, err := d.get("/metrics")
	require.NoError(t, err)
	_, readyBody, err := d.get("/readyz")
	require.NoError(t, err)
	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
	printed, _, code := runHarkd(t, d.dir, nil, "--config", filepath.Join(d.dir, "harkd.yaml"), "--print-config")
	require.Equal(t, 0, code)

	logs := d.stderr.String() + d.stdout.String()
	require.Contains(t, logs, "500 Internal Server Error: cannot take REDACTED", "the dropped notification's error was logged")
	for _, s := range secrets {
		assert.NotContains(t, logs, s, "logs")
		assert.NotContains(t, all, s, "dead-letter records")
		assert.NotContains(t, metricsBody, s, "/metrics")
		assert.NotContains(t, readyBody, s, "/readyz")
		assert.NotContains(t, printed, s, "--print-config")
	}
}
