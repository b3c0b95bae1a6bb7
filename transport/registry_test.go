package transport_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// fakeTransport is a do-nothing Transport that remembers how it was opened.
type fakeTransport struct {
	url  *transport.URL
	opts transport.Options
}

func (f *fakeTransport) Send(context.Context, target.Target, transport.Priority, transport.Message) error {
	return nil
}

func (f *fakeTransport) Listen(context.Context, transport.ListenConfig) (transport.Listener, error) {
	return nil, transport.ErrNotSupported
}
func (f *fakeTransport) Capabilities() transport.Capabilities { return transport.Capabilities{} }
func (f *fakeTransport) DefaultExchange() string              { return f.opts.DefaultExchange }
func (f *fakeTransport) Close() error                         { return nil }

// fake is a driver that opens fakeTransports (or fails with openErr)
// and refuses URL options not in valid.
type fake struct {
	valid   []string
	openErr error
	// opened counts Open calls: ValidateURL must not open.
	opened *int
}

func (f fake) ValidateURL(u *transport.URL) error { return u.CheckOptions(f.valid...) }

func (f fake) Open(_ context.Context, u *transport.URL, o transport.Options) (transport.Transport, error) {
	if f.opened != nil {
		*f.opened++
	}
	if err := f.ValidateURL(u); err != nil {
		return nil, err
	}
	if f.openErr != nil {
		return nil, f.openErr
	}
	return &fakeTransport{url: u, opts: o}, nil
}

// fakeDriver opens fakeTransports and refuses URL options it does not know.
func fakeDriver(valid ...string) transport.Driver { return fake{valid: valid} }

func TestRegistry_OpenPicksDriverByScheme(t *testing.T) {
	r := transport.NewRegistry()
	r.Register(fakeDriver(), "rabbit", "amqp")
	r.Register(fakeDriver(), "kombu")

	for _, raw := range []string{"rabbit://h/", "amqp://h/", "AMQP://h/", "kombu+amqp://h/"} {
		tr, err := r.Open(t.Context(), raw)
		require.NoError(t, err, raw)
		require.IsType(t, &fakeTransport{}, tr)
		assert.Equal(t, "h", tr.(*fakeTransport).url.Hosts[0].Hostname)
	}
	assert.Equal(t, []string{"amqp", "kombu", "rabbit"}, r.Schemes())
}

func TestRegistry_unknownSchemeNamesRegistered(t *testing.T) {
	r := transport.NewRegistry()
	r.Register(fakeDriver(), "rabbit", "amqp")
	r.Register(fakeDriver(), "memory", "fake")

	_, err := r.Open(t.Context(), "nats://user:hunter2@h:4222")
	require.ErrorIs(t, err, transport.ErrUnknownScheme)
	assert.Contains(t, err.Error(), `"nats"`)
	assert.Contains(t, err.Error(), "registered: amqp, fake, memory, rabbit")
	assert.Contains(t, err.Error(), "nats://user:***@h:4222")
	assert.NotContains(t, err.Error(), "hunter2")

	_, err = transport.NewRegistry().Open(t.Context(), "rabbit://h")
	require.ErrorIs(t, err, transport.ErrUnknownScheme)
	assert.Contains(t, err.Error(), "registered: none;", "an empty registry says so")
}

func TestRegistry_doubleRegistrationPanics(t *testing.T) {
	r := transport.NewRegistry()
	r.Register(fakeDriver(), "rabbit", "amqp")
	assert.PanicsWithValue(t, "hark: transport scheme registered twice: rabbit", func() {
		r.Register(fakeDriver(), "Rabbit")
	})
	assert.PanicsWithValue(t, "hark: transport scheme registered twice: amqp", func() {
		r.Register(fakeDriver(), "other", "amqp")
	})
	assert.PanicsWithValue(t, "hark: transport scheme registered twice: dup", func() {
		r.Register(fakeDriver(), "dup", "dup")
	})
}

func TestRegistry_unreachableSchemePanics(t *testing.T) {
	r := transport.NewRegistry()
	for _, s := range []string{"", "kombu+amqp", "a:b", "a/b"} {
		assert.Panics(t, func() { r.Register(fakeDriver(), s) }, "scheme %q", s)
	}
}

func TestRegistry_OpenPassesOptions(t *testing.T) {
	r := transport.NewRegistry()
	r.Register(fakeDriver(), "memory")

	tr, err := r.Open(t.Context(), "memory://")
	require.NoError(t, err)
	o := tr.(*fakeTransport).opts
	require.NotNil(t, o.Logger, "drivers never get a nil logger")
	assert.Equal(t, target.DefaultExchange, o.DefaultExchange)

	l := zap.NewExample()
	tr, err = r.Open(t.Context(), "memory://", transport.WithLogger(l), transport.WithDefaultExchange("nova"))
	require.NoError(t, err)
	o = tr.(*fakeTransport).opts
	assert.Same(t, l, o.Logger)
	assert.Equal(t, "nova", o.DefaultExchange)
	assert.Equal(t, "nova", tr.DefaultExchange())
}

func TestRegistry_OpenErrors(t *testing.T) {
	r := transport.NewRegistry()
	boom := errors.New("boom")
	r.Register(fake{openErr: boom}, "broken")
	r.Register(fakeDriver("ssl"), "rabbit")
	ctx := t.Context()

	_, err := r.Open(ctx, "broken://u:hunter2@h/")
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "open broken://u:***@h/: boom", err.Error())

	_, err = r.Open(ctx, "rabbit://h/?ssl=true&bogus=1")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Contains(t, err.Error(), `unknown option "bogus" for scheme rabbit (valid: ssl)`)

	_, err = r.Open(ctx, "no-scheme")
	require.ErrorIs(t, err, transport.ErrInvalidURL)

	_, err = r.Open(ctx, "rabbit://h:port/")
	require.ErrorIs(t, err, transport.ErrInvalidURL)

	_, err = r.Open(ctx, "rabbit://h/", transport.WithLogger(nil))
	require.ErrorIs(t, err, transport.ErrInvalidConfig)

	_, err = r.Open(ctx, "rabbit://h/", transport.WithDefaultExchange("a.b"))
	require.ErrorIs(t, err, target.ErrInvalidTarget)
}

// ValidateURL finds the driver as Open does and asks it to check the
// options, without opening anything.
func TestRegistry_ValidateURL(t *testing.T) {
	r := transport.NewRegistry()
	opened := 0
	r.Register(fake{valid: []string{"ssl", "heartbeat_rate"}, opened: &opened}, "rabbit", "amqp")

	require.NoError(t, r.ValidateURL("rabbit://u:hunter2@h/?ssl=true"))
	require.NoError(t, r.ValidateURL("rabbit+amqps://h/"), "the driver is the scheme up to '+'")

	err := r.ValidateURL("amqp://u:hunter2@h/?ssl=true&bogus=1&zz=2")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Equal(t, `amqp://u:***@h/?bogus=1&ssl=true&zz=2: hark: invalid transport URL: unknown options "bogus", "zz" for scheme amqp (valid: heartbeat_rate, ssl)`, err.Error())
	assert.NotContains(t, err.Error(), "hunter2")

	err = r.ValidateURL("kafka://u:hunter2@h/")
	require.ErrorIs(t, err, transport.ErrUnknownScheme)
	assert.Contains(t, err.Error(), "registered: amqp, rabbit")
	assert.NotContains(t, err.Error(), "hunter2")

	require.ErrorIs(t, r.ValidateURL("rabbit://h:port/"), transport.ErrInvalidURL)
	assert.Zero(t, opened, "validating opens nothing")
}

func TestRegistry_concurrentUse(t *testing.T) {
	r := transport.NewRegistry()
	r.Register(fakeDriver(), "memory")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.Register(fakeDriver(), fmt.Sprintf("s%d", i))
		}()
		go func() {
			defer wg.Done()
			_, err := r.Open(t.Context(), "memory://")
			assert.NoError(t, err)
			_ = r.Schemes()
		}()
	}
	wg.Wait()
	assert.Len(t, r.Schemes(), 9)
}

// The default registry is process-wide; register a scheme no driver uses,
// once, so that -count=N does not register it twice.
var registerDefaultOnce sync.Once

func TestDefaultRegistry(t *testing.T) {
	registerDefaultOnce.Do(func() {
		transport.Register(fakeDriver(), "hark-registry-test", "hark-registry-test-alias")
	})
	assert.Contains(t, transport.Schemes(), "hark-registry-test")
	assert.Contains(t, transport.Schemes(), "hark-registry-test-alias")

	tr, err := transport.Open(t.Context(), "hark-registry-test-alias://h", transport.WithDefaultExchange("x"))
	require.NoError(t, err)
	assert.Equal(t, "x", tr.DefaultExchange())
	require.NoError(t, tr.Close())

	_, err = transport.Open(t.Context(), "hark-unregistered://h")
	require.ErrorIs(t, err, transport.ErrUnknownScheme)
	assert.Contains(t, err.Error(), "hark-registry-test")
}
