package notify_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// sentMessage is one Send a fakeTransport accepted.
type sentMessage struct {
	Target   target.Target
	Priority transport.Priority
	Msg      transport.Message
}

// fakeTransport records what the notifier sends. fail, when set, is asked
// before every attempt (numbered from 1) and its error is returned instead
// of accepting the message.
type fakeTransport struct {
	mu       sync.Mutex
	attempts []transport.Message
	sent     []sentMessage
	fail     func(attempt int) error
}

func (f *fakeTransport) Send(ctx context.Context, t target.Target, p transport.Priority, msg transport.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, msg)
	if f.fail != nil {
		if err := f.fail(len(f.attempts)); err != nil {
			return err
		}
	}
	f.sent = append(f.sent, sentMessage{Target: t, Priority: p, Msg: msg})
	return nil
}

func (f *fakeTransport) Listen(context.Context, transport.ListenConfig) (transport.Listener, error) {
	return nil, transport.ErrNotSupported
}
func (f *fakeTransport) Capabilities() transport.Capabilities { return transport.Capabilities{} }
func (f *fakeTransport) DefaultExchange() string              { return "openstack" }
func (f *fakeTransport) Close() error                         { return nil }

func (f *fakeTransport) Sent() []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMessage(nil), f.sent...)
}

func (f *fakeTransport) Attempts() []transport.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]transport.Message(nil), f.attempts...)
}

// decodeBody decodes a message body as a listener would, checking the
// envelope of the given version: v1 is the inner object itself; v2 is
// exactly {"oslo.version": "2.0", "oslo.message": "<json string>"}.
func decodeBody(t *testing.T, body []byte, version int) map[string]any {
	t.Helper()
	var outer map[string]any
	require.NoError(t, json.Unmarshal(body, &outer))
	if version == 1 {
		require.NotContains(t, outer, "oslo.version")
		return outer
	}
	require.Len(t, outer, 2, "v2 envelope has exactly two keys")
	require.Equal(t, "2.0", outer["oslo.version"])
	inner, ok := outer["oslo.message"].(string)
	require.True(t, ok, "oslo.message is a JSON string")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(inner), &m))
	return m
}
