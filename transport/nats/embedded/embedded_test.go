package embedded_test

import (
	"net"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport/nats/embedded"
)

func TestStart_inProcess(t *testing.T) {
	srv, err := embedded.Start(embedded.Config{StoreDir: t.TempDir()})
	require.NoError(t, err)
	defer srv.Shutdown(t.Context())
	assert.Empty(t, srv.ClientURL(), "no listener")
	nc, err := srv.Connect()
	require.NoError(t, err)
	defer nc.Close()
	sub, err := nc.SubscribeSync("x")
	require.NoError(t, err)
	require.NoError(t, nc.Publish("x", []byte("hi")))
	m, err := sub.NextMsg(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, "hi", string(m.Data))
}

func TestStart_listensOnLoopback(t *testing.T) {
	srv, err := embedded.Start(embedded.Config{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	require.NoError(t, err)
	defer srv.Shutdown(t.Context())
	require.NotEmpty(t, srv.ClientURL())
	nc, err := natsgo.Connect(srv.ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	assert.True(t, nc.IsConnected())
}

func TestStart_portTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	_, err = embedded.Start(embedded.Config{Listen: l.Addr().String(), StoreDir: t.TempDir()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot listen on "+l.Addr().String())
	assert.Contains(t, err.Error(), "address already in use")
}

func TestStart_needsStoreDir(t *testing.T) {
	_, err := embedded.Start(embedded.Config{})
	require.ErrorContains(t, err, "store directory is required")
}

func TestShutdown_keepsStore(t *testing.T) {
	dir := t.TempDir()
	srv, err := embedded.Start(embedded.Config{StoreDir: dir})
	require.NoError(t, err)
	nc, err := srv.Connect()
	require.NoError(t, err)
	ctx := t.Context()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s"}})
	require.NoError(t, err)
	_, err = js.Publish(ctx, "s", []byte("kept"))
	require.NoError(t, err)
	nc.Close()
	require.NoError(t, srv.Shutdown(t.Context()))
	require.NoError(t, srv.Shutdown(t.Context()), "idempotent")

	srv, err = embedded.Start(embedded.Config{StoreDir: dir})
	require.NoError(t, err)
	defer srv.Shutdown(t.Context())
	nc, err = srv.Connect()
	require.NoError(t, err)
	defer nc.Close()
	js, err = jetstream.New(nc)
	require.NoError(t, err)
	stream, err := js.Stream(ctx, "S")
	require.NoError(t, err)
	m, err := stream.GetMsg(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, "kept", string(m.Data))
}
