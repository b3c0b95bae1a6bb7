package dispatcher_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

type lease struct{ err error }

func (l lease) Extend(context.Context) error { return l.err }

func TestFromOslo(t *testing.T) {
	n := dispatcher.FromOslo(&oslo.OsloMessage{Priority: "WARN", MessageID: "m", Timestamp: "t"}, 3, nil)
	assert.Equal(t, dispatcher.Warn, n.Priority)
	assert.NotNil(t, n.Context)
	assert.JSONEq(t, "null", string(n.Payload))
	assert.Equal(t, dispatcher.Metadata{MessageID: "m", Timestamp: "t", Deliveries: 3}, n.Metadata)
	assert.NoError(t, n.Extend(t.Context()), "no lease")

	expired := dispatcher.FromOslo(&oslo.OsloMessage{Priority: "info"}, 1, lease{transport.ErrLeaseExpired})
	assert.ErrorIs(t, expired.Extend(t.Context()), transport.ErrLeaseExpired)
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

// A payload with Python's NaN and Infinity (oslo's notifier writes them)
// reaches the handler: Decode gives float64 NaN and ±Inf to a map, and
// refuses a struct with oslo.ErrNonFinite instead of losing them.
func TestNotificationDecode_nonFinite(t *testing.T) {
	n := dispatcher.FromOslo(&oslo.OsloMessage{Priority: "INFO", Payload: json.RawMessage(`{"cpu": NaN, "max": Infinity, "min": -Infinity}`)}, 1, nil)
	var m map[string]any
	require.NoError(t, n.Decode(&m))
	assert.True(t, math.IsNaN(m["cpu"].(float64)))
	assert.Equal(t, math.Inf(1), m["max"])
	assert.Equal(t, math.Inf(-1), m["min"])
	var st struct{ CPU float64 }
	require.ErrorIs(t, n.Decode(&st), oslo.ErrNonFinite)
}

func TestResultString(t *testing.T) {
	assert.Equal(t, "handled", dispatcher.Handled.String())
	assert.Equal(t, "handled", dispatcher.Result{}.String(), "the zero Result is Handled")
	assert.Equal(t, "requeue", dispatcher.Requeue.String())
	assert.Equal(t, "requeue: x", dispatcher.RequeueWith(errors.New("x")).String())
	assert.Equal(t, "reject: y", dispatcher.Reject(errors.New("y")).String())
	assert.Equal(t, "Action(9)", dispatcher.Action(9).String())
}
