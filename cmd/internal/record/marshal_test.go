package record_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/record"
	"github.com/harkmq/hark/dispatcher"
)

// A notification whose payload and context hold Python's NaN and Infinity
// (as oslo notifiers send them) is written, not refused, and reads back
// in Python with the same values; an ordinary one is plain JSON as before.
func TestMarshalRecord_nonFinite(t *testing.T) {
	r := record.Notification{
		Priority: "info", EventType: `e,"payload":0,"context":null,`, PublisherID: "p",
		Payload:  json.RawMessage(`{"cpu": NaN, "l": [Infinity, -Infinity]}`),
		Context:  map[string]any{"r": json.Number("NaN"), "u": "é"},
		Metadata: dispatcher.Metadata{MessageID: "m", Timestamp: "t", Deliveries: 1},
	}
	line, err := record.MarshalRecord(r)
	require.NoError(t, err)
	assert.Equal(t, `{"priority":"info","event_type":"e,\"payload\":0,\"context\":null,","publisher_id":"p",`+
		`"payload":{"cpu": NaN, "l": [Infinity, -Infinity]},"context":{"r": NaN, "u": "\u00e9"},`+
		`"metadata":{"message_id":"m","timestamp":"t","deliveries":1}}`, string(line))

	if py, err := exec.LookPath("python3"); err == nil {
		cmd := exec.Command(py, "-c", `import json, sys
r = json.loads(sys.stdin.read())
print(repr(r["payload"]["cpu"]), r["payload"]["l"], repr(r["context"]["r"]), r["context"]["u"], r["event_type"])`)
		cmd.Stdin = bytes.NewReader(line)
		out, err := cmd.Output()
		require.NoError(t, err)
		assert.Equal(t, "nan [inf, -inf] nan é e,\"payload\":0,\"context\":null,\n", string(out))
	}

	r.Payload, r.Context = json.RawMessage(`{"a": 1}`), map[string]any{}
	line, err = record.MarshalRecord(r)
	require.NoError(t, err)
	assert.Contains(t, string(line), `"payload":{"a":1},"context":{}`)
}
