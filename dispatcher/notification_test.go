package dispatcher_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
)

type lease struct{ err error }

func (l lease) Extend(context.Context) error { return l.err }

func TestFromOslo(t *testing.T) {
	n := dispatcher.FromOslo(&transport.OsloMessage{Priority: "WARN", MessageID: "m", Timestamp: "t"}, 3, nil)
	assert.Equal(t, dispatcher.Warn, n.Priority)
	assert.NotNil(t, n.Context)
	assert.JSONEq(t, "null", string(n.Payload))
	assert.Equal(t, dispatcher.Metadata{MessageID: "m", Timestamp: "t", Deliveries: 3}, n.Metadata)
	assert.NoError(t, n.Extend(context.Background()), "no lease")

	expired := dispatcher.FromOslo(&transport.OsloMessage{Priority: "info"}, 1, lease{transport.ErrLeaseExpired})
	assert.ErrorIs(t, expired.Extend(context.Background()), transport.ErrLeaseExpired)
}

func TestNotificationDecode(t *testing.T) {
	n := notification(dispatcher.Info)
	var p struct {
		State string `json:"state"`
	}
	require.NoError(t, n.Decode(&p))
	assert.Equal(t, "active", p.State)

	var wrong []int
	err := n.Decode(&wrong)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "instance.create.start")
	assert.Contains(t, err.Error(), n.Metadata.MessageID)
}

func TestResultString(t *testing.T) {
	assert.Equal(t, "handled", dispatcher.Handled.String())
	assert.Equal(t, "handled", dispatcher.Result{}.String(), "the zero Result is Handled")
	assert.Equal(t, "requeue", dispatcher.Requeue.String())
	assert.Equal(t, "requeue: x", dispatcher.RequeueWith(errors.New("x")).String())
	assert.Equal(t, "reject: y", dispatcher.Reject(errors.New("y")).String())
	assert.Equal(t, "Action(9)", dispatcher.Action(9).String())
}
