package notify_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

// TestLogNotifier replicates oslo's TestLogNotifier: the log driver logs
// the message as JSON on "oslo.messaging.notification.<event_type>" at the
// priority's level, with secrets masked and without the context.
func TestLogNotifier(t *testing.T) {
	want := map[transport.Priority]zapcore.Level{
		transport.Audit:    zapcore.InfoLevel,
		transport.Debug:    zapcore.DebugLevel,
		transport.Info:     zapcore.InfoLevel,
		transport.Warn:     zapcore.WarnLevel,
		transport.Error:    zapcore.ErrorLevel,
		transport.Critical: zapcore.ErrorLevel,
		transport.Sample:   zapcore.InfoLevel,
	}
	for _, p := range transport.Priorities() {
		t.Run(string(p), func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			n := newNotifier(t, nil, notify.WithDriverNames("log"), notify.WithPublisherID("test.localhost"),
				notify.WithNotifierLogger(zap.New(core)))
			payload := map[string]any{
				"name":     "vm1",
				"password": "hunter2",
				"nested":   map[string]any{"auth_token": "abc", "ok": 1},
				"list":     []any{map[string]any{"admin_pass": "x"}},
				"cmd":      "mount --password s3cret /mnt",
			}
			err := n.Notify(t.Context(), p, notify.Context{"user": "bob", "auth_token": "tok"}, "test.notify", payload)
			require.NoError(t, err)

			require.Equal(t, 1, logs.Len())
			e := logs.All()[0]
			assert.Equal(t, want[p], e.Level)
			assert.Equal(t, "oslo.messaging.notification.test.notify", e.LoggerName)
			assert.Equal(t, string(p), e.ContextMap()["priority"])
			if p == transport.Critical {
				assert.Equal(t, true, e.ContextMap()["critical"])
			} else {
				assert.NotContains(t, e.ContextMap(), "critical")
			}

			var body map[string]any
			require.NoError(t, json.Unmarshal([]byte(e.Message), &body))
			assert.Regexp(t, dashedUUID, body["message_id"])
			assert.Equal(t, "test.localhost", body["publisher_id"])
			assert.Equal(t, "test.notify", body["event_type"])
			assert.Equal(t, p.Upper(), body["priority"])
			assert.Regexp(t, osloTimeFmt, body["timestamp"])
			assert.NotContains(t, e.Message, "bob", "the context is not logged")
			assert.Equal(t, map[string]any{
				"name":     "vm1",
				"password": "***",
				"nested":   map[string]any{"auth_token": "***", "ok": float64(1)},
				"list":     []any{map[string]any{"admin_pass": "***"}},
				"cmd":      "mount --password *** /mnt",
			}, body["payload"])
			assert.NotContains(t, e.Message, "hunter2")
		})
	}
}

func TestLogNotifierSkipsDisabledLevels(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	n := newNotifier(t, nil, notify.WithDriverNames("log"), notify.WithNotifierLogger(zap.New(core)))
	ctx := t.Context()
	require.NoError(t, n.Debug(ctx, nil, "x", nil))
	require.NoError(t, n.Info(ctx, nil, "x", nil))
	require.NoError(t, n.Warn(ctx, nil, "x", nil))
	assert.Equal(t, 1, logs.Len())
}

// A payload with NaN or Infinity (which oslo's notifier and log driver
// write, as Python's json.dumps does) is logged with them, secrets still
// masked, instead of failing the send.
func TestLogNotifier_nonFinite(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	n := newNotifier(t, nil, notify.WithDriverNames("log"), notify.WithNotifierLogger(zap.New(core)))
	require.NoError(t, n.Info(t.Context(), nil, "x", json.RawMessage(`{"cpu": NaN, "password": "p", "max": Infinity}`)))
	require.Equal(t, 1, logs.Len())
	msg := logs.All()[0].Message
	assert.Contains(t, msg, `"payload": {"cpu": NaN, "max": Infinity, "password": "***"}`)
	assert.NotContains(t, msg, `"p"`)
}
