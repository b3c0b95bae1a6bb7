package oslo

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"testing"

	"github.com/harkmq/hark/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonOrSkip returns CPython's path, or skips the test.
func pythonOrSkip(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: skipping the comparison with Python's json module")
	}
	return py
}

// An oslo notifier writes non-finite floats as json.dumps does (NaN,
// Infinity, -Infinity) and oslo's listener dispatches them: hark decodes
// such a body (both decoders), hands the payload over byte for byte, and
// writes it back byte-identical to Python's json.dumps.
func TestDecodeNotification_nonFiniteLikePython(t *testing.T) {
	py := pythonOrSkip(t)
	out, err := exec.Command(py, "-c", `import json, sys
inf, nan = float("inf"), float("nan")
msg = {"message_id": "3b9a6c2e-8f3c-4a57-9e0a-7c0d3f2b1a11", "publisher_id": "compute.host1",
       "event_type": "metrics.update", "priority": "SAMPLE",
       "payload": {"cpu": nan, "limits": [inf, -inf, 1.5], "nested": {"x": nan}},
       "timestamp": "2026-12-04 03:00:00.123456", "_unique_id": "0123456789abcdef0123456789abcdef",
       "_context_ratio": inf, "_context_user": "u"}
sys.stdout.write(json.dumps(msg) + "\n" + json.dumps(msg["payload"]) + "\n" +
                 json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(msg)}))`).Output()
	require.NoError(t, err)
	lines := bytes.Split(out, []byte("\n"))
	require.Len(t, lines, 3)
	v1, payload, v2 := lines[0], lines[1], lines[2]

	for name, decode := range map[string]func([]byte) (*OsloMessage, error){
		"fast": func(b []byte) (*OsloMessage, error) {
			m, ok := decodeFast(b)
			if !ok {
				return nil, assert.AnError
			}
			return m, nil
		},
		"reference": func(b []byte) (*OsloMessage, error) { return decodeReference("body", b) },
		"public":    func(b []byte) (*OsloMessage, error) { return DecodeNotification(transport.Message{Body: b}) },
	} {
		for version, body := range map[int][]byte{1: v1, 2: v2} {
			m, err := decode(body)
			require.NoError(t, err, "%s v%d", name, version)
			assert.Equal(t, string(payload), string(m.Payload), "%s v%d", name, version)
			assert.Equal(t, json.Number("Infinity"), m.Context["ratio"], "%s v%d", name, version)
			re, err := EncodeNotification(m, EncodeOptions{Version: version})
			require.NoError(t, err)
			assert.Equal(t, string(body), string(re.Body), "%s v%d: re-encoded as Python writes it", name, version)
		}
	}
}

// Unmarshal gives NaN and the infinities to the targets that can hold
// them, decodes ordinary JSON exactly as json.Unmarshal, and refuses the
// rest with ErrNonFinite rather than losing the values.
func TestUnmarshal_nonFinite(t *testing.T) {
	var m map[string]any
	require.NoError(t, Unmarshal([]byte(`{"a": NaN, "b": [Infinity, -Infinity, 2], "c": "NaN"}`), &m))
	assert.True(t, math.IsNaN(m["a"].(float64)))
	assert.Equal(t, []any{math.Inf(1), math.Inf(-1), 2.0}, m["b"])
	assert.Equal(t, "NaN", m["c"])

	var a any
	require.NoError(t, Unmarshal([]byte(` -Infinity `), &a))
	assert.Equal(t, math.Inf(-1), a)
	var f float64
	require.NoError(t, Unmarshal([]byte(`NaN`), &f))
	assert.True(t, math.IsNaN(f))
	var raw json.RawMessage
	require.NoError(t, Unmarshal([]byte(`[NaN]`), &raw))
	assert.Equal(t, `[NaN]`, string(raw))

	var st struct{ A float64 }
	err := Unmarshal([]byte(`{"A": NaN}`), &st)
	require.ErrorIs(t, err, ErrNonFinite)
	assert.Contains(t, err.Error(), "struct")
	var arr []any
	var ute *json.UnmarshalTypeError
	require.ErrorAs(t, Unmarshal([]byte(`{"A": NaN}`), &arr), &ute)
	require.ErrorAs(t, Unmarshal([]byte(`[1e400, NaN]`), &arr), &ute)

	// Ordinary JSON and bad JSON: exactly json.Unmarshal's results.
	for _, in := range []string{`{"A": 1}`, `{"A": nan}`, `{"A": Infinity`, `[1,]`} {
		var want, got struct{ A float64 }
		wantErr := json.Unmarshal([]byte(in), &want)
		gotErr := Unmarshal([]byte(in), &got)
		assert.Equal(t, wantErr, gotErr, in)
		assert.Equal(t, want, got, in)
	}
}

// ValidJSON accepts what Python's json.loads accepts, compared with
// CPython over valid and invalid inputs around the non-finite numbers.
func TestValidJSON_matchesPython(t *testing.T) {
	py := pythonOrSkip(t)
	inputs := []string{
		`NaN`, `Infinity`, `-Infinity`, `+Infinity`, `-NaN`, `nan`, `inf`, `Inf`, `-Inf`, `Infinityx`, `NaNa`,
		`[NaN, Infinity, -Infinity]`, `{"a": NaN}`, `{NaN: 1}`, `[-Infinity1]`, `[- Infinity]`, `1`, `[1,]`, `{"a":-}`,
	}
	in, err := json.Marshal(inputs)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", `import json, sys
res = []
for s in json.loads(sys.stdin.read()):
    try:
        json.loads(s); res.append(True)
    except ValueError:
        res.append(False)
sys.stdout.write(json.dumps(res))`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []bool
	require.NoError(t, json.Unmarshal(out, &want))
	for i, s := range inputs {
		assert.Equal(t, want[i], ValidJSON([]byte(s)), "%q", s)
		_, perr := appendPyRaw(nil, []byte(s))
		assert.Equal(t, want[i], perr == nil, "appendPyRaw %q: %v", s, perr)
	}
}

// EncodeJSON writes Go values holding NaN and Inf as json.dumps does.
func TestEncodeJSON_nonFinite(t *testing.T) {
	got, err := EncodeJSON(map[string]any{"b": math.Inf(1), "a": []float64{math.NaN(), math.Inf(-1)}})
	require.NoError(t, err)
	assert.Equal(t, `{"a": [NaN, -Infinity], "b": Infinity}`, string(got))
}
