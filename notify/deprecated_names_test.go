// The names deprecated when notify adopted one option style (With…) and
// one import path per type must keep compiling and behave as their
// replacements: this file uses only the old names on purpose.
//
//lint:file-ignore SA1019 this test exists to use the deprecated names.
package notify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

// oldEndpoint is an endpoint written against notify's former second names.
type oldEndpoint struct{ got chan *notify.Notification }

func (e oldEndpoint) Info(_ context.Context, n *notify.Notification) notify.Result {
	e.got <- n
	return notify.Handled
}

func TestDeprecatedNames_notifier_options(t *testing.T) {
	tr := newTransport(t)
	routing := filepath.Join(t.TempDir(), "routing.yaml")
	require.NoError(t, os.WriteFile(routing, []byte("{}\n"), 0o600))

	n, err := notify.NewNotifier(tr,
		notify.PublisherID("compute.old"), notify.Driver("test"), notify.Topics("old"),
		notify.Exchange("nova"), notify.Retry(3),
		notify.RetryBackoff(time.Millisecond, time.Millisecond, time.Millisecond),
		notify.AttemptTimeout(time.Second), notify.Compression("gzip"),
		notify.RoutingConfig(routing), notify.RoutingConfigData([]byte("{}\n")),
		notify.NotifierLogger(zap.NewNop()))
	require.NoError(t, err)

	sub := n.Prepare(notify.PreparePublisherID("compute.sub"), notify.PrepareRetry(1))
	var p notify.Priority = notify.Warn
	require.NoError(t, sub.Notify(t.Context(), p, notify.Context{"b": 1, "a": 2}, "ev", map[string]any{},
		notify.ContextKeys("b", "a")))

	recs := n.TestDriver().Notifications()
	require.Len(t, recs, 1)
	assert.Equal(t, "compute.sub", recs[0].Message.PublisherID, "PreparePublisherID")
	assert.Equal(t, 1, recs[0].Retry, "PrepareRetry")
	assert.Equal(t, transport.Warn, recs[0].Priority)
	assert.Equal(t, []string{"b", "a"}, recs[0].Message.ContextKeys, "ContextKeys")

	// The old options validate as the new ones do.
	for name, opt := range map[string]notify.NotifierOption{
		"Driver":         notify.Driver(),
		"Topics":         notify.Topics(),
		"RetryBackoff":   notify.RetryBackoff(-1, 0, 0),
		"AttemptTimeout": notify.AttemptTimeout(0),
		"NotifierLogger": notify.NotifierLogger(nil),
	} {
		_, err := notify.NewNotifier(tr, opt)
		assert.ErrorIs(t, err, notify.ErrInvalidNotifierOption, name)
	}
}

func TestDeprecatedNames_second_type_names(t *testing.T) {
	// The second names are the same types and values as the canonical ones.
	var r dispatcher.Result = notify.Requeue
	assert.Equal(t, dispatcher.Requeue, r)
	assert.Equal(t, dispatcher.Handled, notify.Handled)
	boom := errors.New("boom")
	assert.Equal(t, dispatcher.RequeueWith(boom), notify.RequeueWith(boom))
	assert.Equal(t, dispatcher.Reject(boom), notify.Reject(boom))
	var m notify.Metadata = dispatcher.Metadata{Deliveries: 2}
	assert.Equal(t, 2, m.Deliveries)

	f, err := notify.NewFilter(notify.FilterSpec{EventType: "compute\\..*"})
	require.NoError(t, err)
	var _ *dispatcher.Filter = f
	var _ *notify.Filter = f

	for old, want := range map[notify.Priority]transport.Priority{
		notify.Audit: transport.Audit, notify.Debug: transport.Debug, notify.Info: transport.Info,
		notify.Warn: transport.Warn, notify.Error: transport.Error, notify.Critical: transport.Critical,
		notify.Sample: transport.Sample,
	} {
		assert.Equal(t, want, old)
	}
	for old, want := range map[dispatcher.Priority]transport.Priority{
		dispatcher.Audit: transport.Audit, dispatcher.Debug: transport.Debug, dispatcher.Info: transport.Info,
		dispatcher.Warn: transport.Warn, dispatcher.Error: transport.Error, dispatcher.Critical: transport.Critical,
		dispatcher.Sample: transport.Sample,
	} {
		assert.Equal(t, want, old)
	}
}

func TestDeprecatedNames_listener_with_old_types(t *testing.T) {
	tr := newTransport(t)
	tgt := transport.Target{Topic: "old"}
	ep := oldEndpoint{got: make(chan *notify.Notification, 1)}
	l, err := notify.NewListener(tr, []transport.Target{tgt}, []any{ep})
	require.NoError(t, err)
	start(t, l)

	n, err := notify.NewNotifier(tr, notify.Topics("old"), notify.PublisherID("compute.old"))
	require.NoError(t, err)
	require.NoError(t, n.Info(t.Context(), nil, "compute.instance.update", map[string]any{"id": 1}))
	select {
	case got := <-ep.got:
		assert.Equal(t, "compute.old", got.PublisherID)
		assert.Equal(t, notify.Info, got.Priority)
	case <-time.After(waitFor):
		t.Fatal("the endpoint written with the old names got nothing")
	}
}
