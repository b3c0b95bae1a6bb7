package nats_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// clientGoroutines returns the stacks of running goroutines of the NATS
// client or of this package (not the server's, whose durable streams and
// consumers outlive any transport).
func clientGoroutines() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "TestCloseLeavesNoGoroutines") {
			continue // this test's own goroutine
		}
		if strings.Contains(g, "nats-io/nats.go") || strings.Contains(g, "hark/transport/nats.(") {
			found = append(found, g)
		}
	}
	return found
}

// TestCloseLeavesNoGoroutines: after Transport.Close, nothing the
// transport, its listeners or its connection started is still running.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	srv := startServer(t)
	require.Eventually(t, func() bool { return len(clientGoroutines()) == 0 }, waitFor, 20*time.Millisecond,
		"earlier tests' connections are gone")
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "leakx", Topic: "t"}
	l, err := tr.Listen(t.Context(), transport.ListenConfig{
		Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info, transport.Error}, Pool: "p", Lease: time.Minute,
	})
	require.NoError(t, err)
	transporttest.SendN(t, tr, tg, transport.Info, "leak", 3)
	transporttest.Next(t, l, waitFor) // one handed out and left unsettled
	require.NoError(t, tr.Close())
	require.Eventually(t, func() bool { return len(clientGoroutines()) == 0 }, waitFor, 20*time.Millisecond,
		"goroutines left: %v", clientGoroutines())
}
