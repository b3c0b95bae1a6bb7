package oslo

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The context a handler gets is the ctxt oslo's listener builds with its
// own unpack_context (oslo_messaging/_drivers/amqp.py, the real library
// run by CPython): the same keys in the same order with the same values,
// a publisher's _context_msg_id and _context_reply_q removed and
// _context_client_timeout replaced by _timeout. The one difference, kept
// on purpose: oslo adds client_timeout None to every ctxt; hark only when
// the message has _timeout or _context_client_timeout.
func TestDecodeNotification_contextAsOsloUnpacks(t *testing.T) {
	if os.Getenv("HARK_TEST_OSLO") != "1" {
		t.Skip("set HARK_TEST_OSLO=1 to compare with the real oslo.messaging (Debian python3-oslo.messaging)")
	}
	py := pythonOrSkip(t)
	bodies := []string{
		`{"priority": "INFO", "_context_z": 1, "_context_msg_id": "m", "_context_a": NaN, "_context_reply_q": "q", "_context_client_timeout": 7, "_context_m": {"k": [1.5, "x"]}}`,
		`{"priority": "INFO", "_context_client_timeout": 7, "_context_b": true, "_timeout": 30, "_msg_id": "rpc", "_reply_q": "rq"}`,
		`{"priority": "INFO", "_timeout": 2.5, "_context_user": "u"}`,
		`{"priority": "INFO", "_context_a": 1, "_context_b": 2, "_context_a": 3, "_context_msg_id": null}`,
		`{"priority": "INFO", "_context_zeta": "z", "_context_alpha": "a", "_context_mid": "m"}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"_context_reply_q\": \"q\", \"_context_y\": -Infinity, \"_context_x\": null, \"_timeout\": null}"}`,
		`{"priority": "INFO"}`,
	}
	in, err := json.Marshal(bodies)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", `import json, sys
try:
    from oslo_messaging._drivers import amqp as rpc_amqp
except ImportError as e:
    sys.stdout.write("SKIP " + str(e)); sys.exit(0)
out = []
for body in json.loads(sys.stdin.read()):
    msg = json.loads(body)
    if "oslo.version" in msg and "oslo.message" in msg:
        msg = json.loads(msg["oslo.message"])
    ctxt = rpc_amqp.unpack_context(msg)
    out.append([[k, json.dumps(v)] for k, v in ctxt.to_dict().items()])
sys.stdout.write(json.dumps(out))`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	if bytes.HasPrefix(out, []byte("SKIP")) {
		t.Skipf("oslo.messaging not importable by %s: %s", py, out)
	}
	var want [][][2]string
	require.NoError(t, json.Unmarshal(out, &want))
	require.Len(t, want, len(bodies))

	for i, body := range bodies {
		fast, ok := decodeFast([]byte(body))
		require.True(t, ok, body)
		ref, err := decodeReference("body", []byte(body))
		require.NoError(t, err, body)
		for name, m := range map[string]*OsloMessage{"fast": fast, "reference": ref} {
			got := [][2]string{}
			for _, k := range m.ContextKeys {
				v, err := EncodeJSON(m.Context[k])
				require.NoError(t, err)
				got = append(got, [2]string{k, string(v)})
			}
			assert.Len(t, m.Context, len(m.ContextKeys), "%s %s", name, body)
			osloCtxt := want[i]
			if _, has := m.Context["client_timeout"]; !has {
				// oslo's added client_timeout None, which hark leaves out.
				require.Equal(t, [2]string{"client_timeout", "null"}, osloCtxt[len(osloCtxt)-1], body)
				osloCtxt = osloCtxt[:len(osloCtxt)-1]
			}
			assert.Equal(t, osloCtxt, got, "%s decoder, body %s", name, body)
		}
	}
}
