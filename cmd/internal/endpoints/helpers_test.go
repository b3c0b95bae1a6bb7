package endpoints

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport/oslo"
)

// testNotification builds a notification as a listener would hand it to
// an endpoint (without the raw message).
func testNotification(t *testing.T, id, eventType string, payload any) *dispatcher.Notification {
	t.Helper()
	p, ok := payload.(json.RawMessage)
	if !ok {
		var err error
		p, err = json.Marshal(payload)
		require.NoError(t, err)
	}
	return dispatcher.FromOslo(&oslo.OsloMessage{
		MessageID:   id,
		PublisherID: "compute.host1",
		EventType:   eventType,
		Priority:    "INFO",
		Payload:     p,
		Timestamp:   "2024-01-02 03:04:05.678901",
		Context:     map[string]any{"request_id": "req-1"},
	}, 1, nil)
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func requireAction(t *testing.T, want dispatcher.Result, got dispatcher.Result) {
	t.Helper()
	require.Equal(t, want.Action(), got.Action(), "result %s", got)
}
