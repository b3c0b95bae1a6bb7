package transports

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func TestEveryDriverRegistered(t *testing.T) {
	for _, s := range []string{"memory", "fake", "nats", "rabbit", "amqp", "kafka"} {
		assert.Contains(t, Schemes(), s)
	}
	assert.Equal(t, "nats://127.0.0.1:4222", DefaultURL)
	assert.Equal(t, DefaultURL, EmbeddedURL(DefaultEmbeddedListen))
}

func TestStartEmbeddedAndOpen(t *testing.T) {
	srv, err := StartEmbedded(EmbeddedConfig{Listen: "127.0.0.1:0", StoreDir: t.TempDir()}, nil)
	require.NoError(t, err)
	defer func() { _ = srv.Shutdown(t.Context()) }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	tr, err := Open(ctx, srv.ClientURL(), nil)
	require.NoError(t, err)
	defer tr.Close()
	assert.NoError(t, transport.CheckHealth(tr))
	require.NoError(t, tr.Send(ctx, target.Target{Topic: "t"}, transport.Info, transport.Message{Body: []byte(`{}`)}))
}

func TestStartEmbeddedPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	_, err = StartEmbedded(EmbeddedConfig{Listen: l.Addr().String(), StoreDir: t.TempDir()}, nil)
	require.ErrorIs(t, err, ErrAddrInUse)
	assert.Contains(t, err.Error(), l.Addr().String())
}

func TestOpenBadURL(t *testing.T) {
	_, err := Open(t.Context(), "zmq://x", nil)
	assert.ErrorIs(t, err, transport.ErrUnknownScheme)
}
