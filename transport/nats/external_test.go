package nats_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/transporttest"
)

// The tests here run against nats-server processes outside the test, as
// operators run them, when the environment names them (CI builds one from
// go.mod and runs Debian's older one):
//
//	HARK_TEST_NATS_URL=nats://127.0.0.1:4223      a server with JetStream, 2.10 or later
//	HARK_TEST_NATS_OLD_URL=nats://127.0.0.1:4222  a server older than MinServerVersion

func externalURL(t *testing.T, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		t.Skipf("set %s to run this test against an external nats-server", env)
	}
	return u
}

// TestConformanceExternal runs the conformance suite over TCP against an
// external server.
func TestConformanceExternal(t *testing.T) {
	url := externalURL(t, "HARK_TEST_NATS_URL")
	transporttest.Run(t, transporttest.Config{
		NewTransport: func(t *testing.T) transport.Transport {
			tr, err := transport.Open(t.Context(), url)
			require.NoError(t, err)
			t.Cleanup(func() { _ = tr.Close() })
			return tr
		},
		Capabilities: transport.Capabilities{
			Requeue: true, DelayedRequeue: true, Durable: true, Pools: true,
			Ordering: true, Lease: true, DeadLetter: true, Backlog: true, StartPosition: true,
		},
		Lease:  time.Second,
		Prefix: "harkext",
	})
}

// TestOldServerRefused: JetStream mode refuses a server older than
// MinServerVersion with an error naming both versions; core mode works
// with it.
func TestOldServerRefused(t *testing.T) {
	url := externalURL(t, "HARK_TEST_NATS_OLD_URL")
	_, err := transport.Open(t.Context(), url)
	require.ErrorIs(t, err, hnats.ErrServerTooOld)
	assert.Contains(t, err.Error(), hnats.MinServerVersion)
	assert.Regexp(t, `nats-server 2\.\d+\.\d+`, err.Error())
	t.Log(err)

	tr, err := transport.Open(t.Context(), url+"?mode=core")
	require.NoError(t, err, "core mode needs no JetStream feature")
	require.NoError(t, tr.Close())
}
