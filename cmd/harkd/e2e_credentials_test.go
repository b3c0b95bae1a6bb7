package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrongPassword is the password the tests below log in with. It must
// never show in what harkd prints.
const wrongPassword = "wrong-pw-7d1f"

// rabbitWrongPassword returns HARK_TEST_RABBIT_URL with its password
// replaced, skipping t when the variable is unset.
func rabbitWrongPassword(t *testing.T) string {
	t.Helper()
	raw := os.Getenv("HARK_TEST_RABBIT_URL")
	if raw == "" {
		t.Skip("set HARK_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:5672/ to run the RabbitMQ tests")
	}
	u, err := url.Parse(raw)
	require.NoError(t, err)
	user := "guest"
	if u.User != nil {
		user = u.User.Username()
	}
	u.User = url.UserPassword(user, wrongPassword)
	return u.String()
}

// TestE2ECredentialsRefusedRabbit: with a wrong password, harkd keeps
// retrying but says "credentials refused" at ERROR, and /readyz names the
// cause; the password shows nowhere.
func TestE2ECredentialsRefusedRabbit(t *testing.T) {
	d := startHarkd(t, harkdOpts{args: []string{"--transport-url", rabbitWrongPassword(t)}})
	d.waitLog(waitTimeout, "credentials refused")
	line := logLine(t, d.stderr.String(), "credentials refused")
	assert.Equal(t, "error", line["level"])
	assert.Contains(t, line["error"], "403")

	code, body, err := d.get("/readyz")
	require.NoError(t, err)
	assert.Equal(t, 503, code)
	assert.Contains(t, body, "credentials refused")
	assert.Contains(t, body, "403")
	assert.True(t, d.running(), "harkd keeps retrying")

	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
	assert.NotContains(t, d.stderr.String()+body, wrongPassword)
}

// TestE2EStartupTimeoutRabbit: --startup-timeout makes harkd exit 1 with
// the cause when it is not ready in time.
func TestE2EStartupTimeoutRabbit(t *testing.T) {
	rawURL := rabbitWrongPassword(t)
	// RabbitMQ answers a wrong password after a few seconds: the timeout
	// leaves room for one refusal.
	_, stderr, code := runHarkd(t, t.TempDir(), []string{"HARK_HTTP__LISTEN="},
		"--transport-url", rawURL, "--startup-timeout", "8s")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "harkd: not ready within startup_timeout (8s): cannot connect to ")
	assert.Contains(t, stderr, "credentials refused")
	assert.NotContains(t, stderr, wrongPassword)
}

// TestE2ECredentialsRefusedNATS: the same with a NATS server that wants a
// user and password, and startup_timeout from the config.
func TestE2ECredentialsRefusedNATS(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true,
		Username: "hark", Password: "right-pw"})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	rawURL := fmt.Sprintf("nats://hark:%s@%s?mode=core", wrongPassword, ns.Addr())

	dir := t.TempDir()
	cfg := dir + "/harkd.yaml"
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf("transport_url: %q\nstartup_timeout: 3s\n", rawURL)), 0o600))
	_, stderr, code := runHarkd(t, dir, []string{"HARK_HTTP__LISTEN="}, "--config", cfg)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "harkd: not ready within startup_timeout (3s)")
	assert.Contains(t, stderr, "credentials refused")
	assert.Contains(t, stderr, "Authorization Violation")
	assert.NotContains(t, stderr, wrongPassword)
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "credentials refused; fix") {
			assert.Contains(t, l, `"level":"error"`, "every refusal is an ERROR: %s", l)
		}
	}
}

// logLine returns the first JSON log line in logs whose message contains
// snippet.
func logLine(t *testing.T, logs, snippet string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil {
			continue
		}
		if msg, _ := m["msg"].(string); strings.Contains(msg, snippet) {
			return m
		}
	}
	t.Fatalf("no log line's message contains %q in:\n%s", snippet, logs)
	return nil
}
