package nats_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// authServer runs a loopback server (core NATS is enough) with opts'
// authentication.
func authServer(t *testing.T, opts server.Options) string {
	t.Helper()
	opts.Host, opts.Port, opts.NoSigs, opts.NoLog = "127.0.0.1", server.RANDOM_PORT, true, true
	ns, err := server.NewServer(&opts)
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns.Addr().String()
}

func roundTrip(t *testing.T, rawURL string) error {
	t.Helper()
	tr, err := transport.Open(t.Context(), rawURL)
	if err != nil {
		return err
	}
	defer tr.Close()
	tg := target.Target{Exchange: "authx", Topic: "t"}
	l, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}})
	require.NoError(t, err)
	defer l.Close()
	transporttest.SendN(t, tr, tg, transport.Info, "auth", 1)
	transporttest.Next(t, l, waitFor)
	return nil
}

func TestAuth_token(t *testing.T) {
	addr := authServer(t, server.Options{Authorization: "s3cret"})
	require.NoError(t, roundTrip(t, fmt.Sprintf("nats://%s/?mode=core&token=s3cret", addr)))
	require.NoError(t, roundTrip(t, fmt.Sprintf("nats://s3cret@%s/?mode=core", addr)), "a lone user is a token")
	err := roundTrip(t, fmt.Sprintf("nats://%s/?mode=core&token=wrong&connect_timeout=2", addr))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Authorization Violation")
	assert.ErrorIs(t, err, transport.ErrCredentialsRefused)
	assert.NotContains(t, err.Error(), "wrong")
}

func TestAuth_userPassword(t *testing.T) {
	addr := authServer(t, server.Options{Username: "hark", Password: "p@ss:word"})
	require.NoError(t, roundTrip(t, fmt.Sprintf("nats://hark:p%%40ss%%3Aword@%s/?mode=core", addr)))
	err := roundTrip(t, fmt.Sprintf("nats://hark:nope@%s/?mode=core", addr))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Authorization Violation")
	assert.ErrorIs(t, err, transport.ErrCredentialsRefused)
	assert.NotContains(t, err.Error(), "nope", "the password is not shown")
}
