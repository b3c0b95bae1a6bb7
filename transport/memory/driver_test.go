package memory_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
	"github.com/harkmq/hark/transport/transporttest"
)

func TestDriver_registered(t *testing.T) {
	t.Parallel()
	assert.Subset(t, transport.Schemes(), []string{"memory", "fake"})
}

func open(t *testing.T, r *transport.Registry, url string, opts ...transport.Option) transport.Transport {
	t.Helper()
	tr, err := r.Open(t.Context(), url, opts...)
	require.NoError(t, err, url)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

func newRegistry() *transport.Registry {
	r := transport.NewRegistry()
	r.Register(memory.NewDriver(), "memory", "fake")
	return r
}

// Transports opened with the same virtual host share a broker, whatever
// the scheme alias or the hosts; another virtual host is another broker.
func TestDriver_shares_a_broker_per_virtual_host(t *testing.T) {
	t.Parallel()
	r := newRegistry()
	l := listen(t, open(t, r, "memory://"), infoConfig(""))
	for i, url := range []string{"memory:///", "fake://", "memory://host1:5672,host2/", "FAKE:///"} {
		transporttest.Send(t, open(t, r, url), notifications, transport.Info, transporttest.NewMessage("m", i))
		assert.Equal(t, transporttest.NewMessage("m", i).Body, next(t, l).Message().Body, url)
	}
	transporttest.Send(t, open(t, r, "memory:///other"), notifications, transport.Info, transporttest.NewMessage("x", 0))
	transporttest.AssertNoDelivery(t, quiet, l)
}

// The broker lives while a transport on it is open and closes with the
// last: its backlog is then gone.
func TestDriver_broker_closes_with_its_last_transport(t *testing.T) {
	t.Parallel()
	r := newRegistry()
	ctx := t.Context()
	t1, err := r.Open(ctx, "memory:///vh")
	require.NoError(t, err)
	t2, err := r.Open(ctx, "memory:///vh")
	require.NoError(t, err)
	transporttest.SendN(t, t1, notifications, transport.Info, "m", 1)
	require.NoError(t, t1.Close())
	require.NoError(t, t1.Close(), "a second Close does not release twice")

	l := listen(t, t2, infoConfig(""))
	assert.Equal(t, 1, next(t, l).Deliveries(), "the broker outlived t1")
	transporttest.SendN(t, t2, notifications, transport.Info, "n", 1) // a backlog for a closing broker
	require.NoError(t, t2.Close())
	_, err = l.Next(ctx)
	assert.ErrorIs(t, err, transport.ErrClosed)

	t3 := open(t, r, "memory:///vh")
	transporttest.AssertNoDelivery(t, quiet, listen(t, t3, infoConfig("")))
}

func TestDriver_rejects_options(t *testing.T) {
	t.Parallel()
	_, err := newRegistry().Open(t.Context(), "memory://?durable=true")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Contains(t, err.Error(), "durable")
}

func TestDriver_passes_transport_options(t *testing.T) {
	t.Parallel()
	tr := open(t, newRegistry(), "fake://", transport.WithDefaultExchange("nova"))
	assert.Equal(t, "nova", tr.DefaultExchange())
	tr2 := open(t, newRegistry(), "memory://")
	assert.Equal(t, "openstack", tr2.DefaultExchange())
}

func TestOpen_default_registry(t *testing.T) {
	t.Parallel()
	tr, err := transport.Open(t.Context(), "memory:///TestOpen_default_registry")
	require.NoError(t, err)
	defer tr.Close()
	l := listen(t, tr, infoConfig(""))
	transporttest.SendN(t, tr, notifications, transport.Info, "m", 1)
	assert.Equal(t, 1, next(t, l).Deliveries())
}
