package nats_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/nats/embedded"
)

// startServer runs an embedded server without a listener, its store in
// a temporary directory, shut down at cleanup.
func startServer(t testing.TB) *embedded.Server {
	t.Helper()
	srv, err := embedded.Start(embedded.Config{StoreDir: t.TempDir()})
	require.NoError(t, err)
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv
}

// startListeningServer runs an embedded server on a free loopback port
// (addr "127.0.0.1:0") or the given address, with its store in dir.
func startListeningServer(t testing.TB, addr, dir string) *embedded.Server {
	t.Helper()
	srv, err := embedded.Start(embedded.Config{Listen: addr, StoreDir: dir})
	require.NoError(t, err)
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv
}

// openInProcess opens a transport on srv through an in-process pipe,
// with the URL's options (rawURL "nats://" for none), closed at cleanup.
func openInProcess(t testing.TB, srv *embedded.Server, rawURL string, opts ...hnats.Option) *hnats.Transport {
	t.Helper()
	u, err := transport.ParseURL(rawURL)
	require.NoError(t, err)
	opts = append([]hnats.Option{hnats.WithNATSOptions(srv.ConnectOption())}, opts...)
	tr, err := hnats.Open(t.Context(), u, transport.Options{Logger: testLogger(t)}, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

func testLogger(t testing.TB) *zap.Logger {
	if testing.Verbose() {
		return zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	}
	return zap.NewNop()
}
