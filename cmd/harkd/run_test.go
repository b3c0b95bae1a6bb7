package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/transports"
)

func TestFlagsOverrideOnlyWhenSet(t *testing.T) {
	o, err := parseFlags([]string{"--transport-url", "memory://", "--log-level", "debug"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"transport_url": "memory://", "log.level": "debug"}, o.overrides())

	o, err = parseFlags(nil, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Empty(t, o.overrides())

	_, err = parseFlags([]string{"stray"}, &bytes.Buffer{})
	assert.Error(t, err)
	_, err = parseFlags([]string{"--nope"}, &bytes.Buffer{})
	assert.Error(t, err)
}

func TestRunCheckAndPrint(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	require.NoError(t, os.WriteFile(good, []byte("endpoints: [{type: webhook, url: 'http://127.0.0.1/x', secret: '${S}'}]\n"), 0o600))
	var stdout, stderr bytes.Buffer
	code := run([]string{"--config", good, "--check", "--print-config"}, &stdout, &stderr, []string{"S=topsecret"})
	assert.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "secret: "+config.Redacted)
	assert.NotContains(t, stdout.String(), "topsecret")
	assert.Contains(t, stderr.String(), "is valid")

	stdout.Reset()
	stderr.Reset()
	code = run([]string{"--config", good, "--check"}, &stdout, &stderr, nil)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr.String(), "${S}")

	assert.Equal(t, exitUsage, run([]string{"--bogus"}, &stdout, &stderr, nil))
	assert.Equal(t, exitOK, run([]string{"--help"}, &stdout, &stderr, nil))
}

func TestSendHint(t *testing.T) {
	h := sendHint(transports.DefaultURL, config.Target{Exchange: "openstack", Topic: "notifications"})
	assert.Contains(t, h, "hark notify --event-type")
	assert.NotContains(t, h, "--url")
	h = sendHint("nats://127.0.0.1:5000", config.Target{Exchange: "nova", Topic: "versioned"})
	assert.Contains(t, h, "hark notify --url nats://127.0.0.1:5000 --exchange nova --topic versioned")
}

func TestEmbeddedError(t *testing.T) {
	msg := embeddedError("127.0.0.1:4222", fmt.Errorf("x: %w", transports.ErrAddrInUse))
	assert.Contains(t, msg, "embedded.listen")
	assert.Contains(t, msg, "--transport-url nats://127.0.0.1:4222")
	assert.Contains(t, embeddedError("a", errors.New("disk full")), "disk full")
}
