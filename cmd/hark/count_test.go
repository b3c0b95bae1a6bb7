package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

// --count 0 means until interrupted wherever --count is a stop condition:
// notify (TestNotify_count_zero_until_interrupted) and tail (here); a
// bench's --count is a backlog size, and 0 a usage error
// (TestExitCodes_usage).

// TestCountZero_tail: tail --count 0 prints past any count until it is
// interrupted, then exits 0.
func TestCountZero_tail(t *testing.T) {
	url, tr := memURL(t)
	r := start(t, "tail", "--url", url, "--count", "0")
	r.waitStderr(t, "listening")
	for range 3 {
		send(t, tr, transport.Info, "compute.instance.update", nil)
	}
	require.Eventually(t, func() bool { return strings.Count(r.out.String(), "\n") == 3 }, 10*time.Second, 5*time.Millisecond,
		"tail --count 0 printed:\n%s", r.out.String())
	r.cancel()
	assert.Equal(t, exitOK, r.wait(t), r.err.String())
	assert.Len(t, decodeLines(t, r.out.String()), 3)
}
