package endpoints

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/memory"
	"github.com/harkmq/hark/transport/oslo"
)

func TestBuildAdaptsToConfiguredPriorities(t *testing.T) {
	cfgs := []config.Endpoint{
		{Name: "a", Type: "log", Priorities: []string{"info", "error"}, Log: &config.LogOptions{Level: "info"}},
		{Name: "b", Type: "log", Priorities: []string{"sample"}, Log: &config.LogOptions{Level: "info"},
			Filter: dispatcher.FilterSpec{EventType: "^x"}},
	}
	s, err := Build(cfgs, false, Deps{})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, []transport.Priority{transport.Info, transport.Error, transport.Sample}, s.Priorities())
	eps := s.Endpoints()
	require.Len(t, eps, 2)
	da, err := dispatcher.New(eps[:1])
	require.NoError(t, err)
	assert.Equal(t, []transport.Priority{transport.Info, transport.Error}, da.Priorities(), "only the configured priorities")
	assert.Equal(t, "a", eps[0].(dispatcher.Namer).Name())
	assert.Nil(t, eps[0].(dispatcher.Filterer).Filter())
	assert.NotNil(t, eps[1].(dispatcher.Filterer).Filter())

	bs, err := Build(cfgs, true, Deps{})
	require.NoError(t, err)
	defer bs.Close()
	_, binfo := bs.Endpoints()[0].(dispatcher.InfoBatchEndpoint)
	assert.True(t, binfo)

	// The dispatcher binds each adapter to its configured priorities only.
	d, err := dispatcher.New(s.Endpoints())
	require.NoError(t, err)
	assert.NotContains(t, d.Priorities(), transport.Debug)
}

func TestLogEndpointLine(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	l, err := newLog("audit", config.LogOptions{Level: "info"}, zap.New(core))
	require.NoError(t, err)
	requireAction(t, dispatcher.Handled, l.Handle(t.Context(), testNotification(t, "m1", "compute.x", map[string]any{"a": 1})))
	require.Equal(t, 1, logs.Len())
	e := logs.All()[0]
	f := e.ContextMap()
	assert.Equal(t, "audit", f["endpoint"])
	assert.Equal(t, "compute.x", f["event_type"])
	assert.Equal(t, "m1", f["message_id"])
	assert.Equal(t, "info", f["priority"])
}

// TestForwardByteForByte runs a listener with a forward endpoint on the
// memory transport and checks the copy on the destination topic is the
// original message, body and headers.
func TestForwardByteForByte(t *testing.T) {
	ctx := testCtx(t)
	tr, err := transport.Open(ctx, "memory:///fwd-test")
	require.NoError(t, err)
	defer tr.Close()

	// The destination listener records what it receives.
	got := make(chan *dispatcher.Notification, 1)
	dst, err := notify.NewListener(tr, []target.Target{{Topic: "copy"}}, []any{recorder(got)})
	require.NoError(t, err)
	require.NoError(t, dst.Start(ctx))
	defer func() { dst.Stop(); _ = dst.Wait(ctx) }()

	s, err := Build([]config.Endpoint{{Name: "fwd", Type: "forward",
		Forward: &config.ForwardOptions{Topic: "copy", Timeout: config.Duration(5 * time.Second)}}}, false, Deps{Transport: tr})
	require.NoError(t, err)
	defer s.Close()
	src, err := notify.NewListener(tr, []target.Target{{Topic: "orig"}}, s.Endpoints())
	require.NoError(t, err)
	require.NoError(t, src.Start(ctx))
	defer func() { src.Stop(); _ = src.Wait(ctx) }()

	msg, err := oslo.EncodeNotification(&oslo.OsloMessage{
		MessageID: "11111111-2222-3333-4444-555555555555", PublisherID: "p", EventType: "e.x",
		Priority: "INFO", Payload: json.RawMessage(`{"b":2,"a":1.50}`), Timestamp: "2024-01-01 00:00:00.000000",
		Context: map[string]any{}, UniqueID: "u-1",
	}, oslo.EncodeOptions{})
	require.NoError(t, err)
	require.NoError(t, tr.Send(ctx, target.Target{Topic: "orig"}, transport.Info, msg))

	select {
	case n := <-got:
		assert.True(t, bytes.Equal(msg.Body, n.Raw().Body), "body byte for byte")
		assert.Equal(t, "11111111-2222-3333-4444-555555555555", n.Metadata.MessageID)
		assert.JSONEq(t, `{"b":2,"a":1.50}`, string(n.Payload))
	case <-ctx.Done():
		t.Fatal("the forwarded notification never arrived")
	}
}

type recorder chan *dispatcher.Notification

func (r recorder) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	r <- n
	return dispatcher.Handled
}
