package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestE2EStartPosition: listener.start "new" starts on memory://, while
// "all" needs a transport that keeps history: harkd exits with an error
// naming the key.
func TestE2EStartPosition(t *testing.T) {
	d := startHarkd(t, harkdOpts{config: "transport_url: memory://\nlistener: {pool: p, start: new}\n"})
	d.waitReady(readyTimeout)
	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))

	dir := t.TempDir()
	cfg := filepath.Join(dir, "harkd.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("transport_url: memory://\nlistener: {start: all}\nhttp: {listen: ''}\n"), 0o600))
	_, stderr, code := runHarkd(t, dir, nil, "--config", cfg)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, `listener.start is "all"`)
	assert.Contains(t, stderr, "start-position")
}
