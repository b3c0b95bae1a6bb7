package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckRejectsUnknownURLOptions: --check has each driver check the
// transport URL's options, as opening it would, and names the valid ones.
func TestCheckRejectsUnknownURLOptions(t *testing.T) {
	for _, c := range []struct{ url, want, valid string }{
		{"rabbit://u:hunter2@127.0.0.1:1/?rabbit_qos_prefetch=5", `unknown option "rabbit_qos_prefetch" for scheme rabbit`, "rabbit_qos_prefetch_count"},
		{"nats://u:hunter2@127.0.0.1:1?ackwait=30s", `unknown option "ackwait" for scheme nats`, "ack_wait"},
		{"nats://u:hunter2@127.0.0.1:1?mode=push", `mode="push" is not a mode`, "jetstream, core"},
		{"memory://?durable=true", `unknown option "durable" for scheme memory (valid: none)`, ""},
		{"kafka://u:hunter2@127.0.0.1:1/?kafka_max_fetch=5", `unknown option "kafka_max_fetch" for scheme kafka (valid: `, "kafka_max_fetch_bytes"},
		{"kafka://u:hunter2@127.0.0.1:1,127.0.0.1:2/?security_protocol=TLS", `security_protocol="TLS"`, "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"},
		{"kafak://u:hunter2@127.0.0.1:1/", `unknown scheme "kafak" (valid: `, "kafka"},
	} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"--check", "--transport-url", c.url}, &stdout, &stderr, nil)
		assert.Equal(t, exitFailure, code, c.url)
		assert.Contains(t, stderr.String(), "transport_url: invalid value: ", c.url)
		assert.Contains(t, stderr.String(), c.want, c.url)
		assert.Contains(t, stderr.String(), c.valid, c.url)
		assert.NotContains(t, stderr.String(), "hunter2", c.url)
		assert.NotContains(t, stderr.String(), "is valid", c.url)
	}
	var stdout, stderr bytes.Buffer
	// Valid options to a broker that is not there: --check does not connect.
	code := run([]string{"--check", "--transport-url", "rabbit://u:p@127.0.0.1:1/?rabbit_qos_prefetch_count=5"}, &stdout, &stderr, nil)
	assert.Equal(t, exitOK, code, stderr.String())
	// oslo's kafka options, as nova.conf has them, deprecated ones included.
	stderr.Reset()
	code = run([]string{"--check", "--transport-url", "kafka://u:p@127.0.0.1:1,127.0.0.1:2/?consumer_group=g&compression_codec=lz4&kafka_max_fetch_bytes=2097152&pool_size=10&security_protocol=SASL_PLAINTEXT&sasl_mechanism=SCRAM-SHA-512"}, &stdout, &stderr, nil)
	assert.Equal(t, exitOK, code, stderr.String())
}

// TestE2ESIGHUPRejectsBadTransportURL: a reload whose transport URL has
// an unknown option is rejected with the error, and the running config
// keeps working (before, the change was only "kept for a restart", which
// would then fail).
func TestE2ESIGHUPRejectsBadTransportURL(t *testing.T) {
	needHark(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	endpoints := fmt.Sprintf("endpoints:\n  - {name: out, type: file, path: %s}\n", out)
	d := startHarkd(t, harkdOpts{dir: dir, config: endpoints})
	d.waitReady(readyTimeout)
	mustHark(t, d.natsURL, "notify", "--event-type", "a.1")
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="info"}`, 1)

	bad := fmt.Sprintf("transport_url: %q\n", d.natsURL+"?ack_wiat=30s") + endpoints
	require.NoError(t, os.WriteFile(d.configPath(), []byte(bad), 0o600))
	d.signal(syscall.SIGHUP)
	d.waitMetric(waitTimeout, `hark_config_reloads_total{result="failure"}`, 1)
	d.waitLog(waitTimeout, "reload rejected")
	line := logLine(t, d.stderr.String(), "reload rejected")
	assert.Equal(t, "error", line["level"])
	assert.Contains(t, line["error"], "transport_url")
	assert.Contains(t, line["error"], `unknown option "ack_wiat" for scheme nats (valid: ack_wait,`)
	assert.LessOrEqual(t, d.metric(`hark_config_reloads_total{result="success"}`), 0.0, "no reload succeeded")

	mustHark(t, d.natsURL, "notify", "--event-type", "a.2")
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="info"}`, 2)
	assert.Len(t, readJSONLines(t, out), 2, "the running listener and endpoint still work")
	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}
