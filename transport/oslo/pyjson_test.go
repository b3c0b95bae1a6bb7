package oslo

// White-box tests: the Python-style JSON writer is unexported, and these
// pin its output byte for byte.

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendPyString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `""`},
		{"plain ascii ~", `"plain ascii ~"`},
		{`q"b\s`, `"q\"b\\s"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"\x7f", `"\u007f"`},
		{"/<>&'", `"/<>&'"`}, // Python escapes none of these
		{"é", `"\u00e9"`},
		{"☃", `"\u2603"`},
		{"😀", `"\ud83d\ude00"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"\U0010FFFF", `"\udbff\udfff"`},
		{"bad \xff utf-8", `"bad \ufffd utf-8"`},
		{"héllo ☃ 😀", `"h\u00e9llo \u2603 \ud83d\ude00"`},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, string(appendPyString(nil, tc.in)), "%q", tc.in)
	}
}

func TestAppendPyFloat(t *testing.T) {
	cases := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-2.5, "-2.5"},
		{0.1, "0.1"},
		{1.0 / 3, "0.3333333333333333"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{1.5e-7, "1.5e-07"},
		{1e15, "1000000000000000.0"},
		{1e16, "1e+16"},
		{1.2345e20, "1.2345e+20"},
		{1e100, "1e+100"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{5e-324, "5e-324"},
	}
	for _, tc := range cases {
		got, err := appendPyFloat(nil, tc.in, 64)
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(got), "%v", tc.in)
	}
	got, err := appendPyFloat(nil, float64(float32(0.1)), 32)
	require.NoError(t, err)
	assert.Equal(t, "0.1", string(got))

	// Python's json.dumps (allow_nan=True, the default) writes these.
	for f, want := range map[float64]string{math.Inf(1): "Infinity", math.Inf(-1): "-Infinity"} {
		got, err := appendPyFloat(nil, f, 64)
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
	got, err = appendPyFloat(nil, math.NaN(), 64)
	require.NoError(t, err)
	assert.Equal(t, "NaN", string(got))
}

func TestAppendPyRaw(t *testing.T) {
	cases := []struct{ in, want string }{
		{`null`, `null`},
		{` true `, `true`},
		{`{}`, `{}`},
		{`[ ]`, `[]`},
		{`{"b":1,"a":2}`, `{"b": 1, "a": 2}`}, // key order kept
		{`{"a":1,"a":2}`, `{"a": 1, "a": 2}`}, // duplicates kept
		{"[1,\n\t2 ,3]", `[1, 2, 3]`},
		{`[1.50, 1E5, -0, 0.0e-0, 12345678901234567890123456789]`, `[1.50, 1E5, -0, 0.0e-0, 12345678901234567890123456789]`}, // number text kept
		{`"\/\u00E9\uD83D\uDE00"`, `"/\u00e9\ud83d\ude00"`},
		{`"lone \ud800 and \udc00 surrogates"`, `"lone \ud800 and \udc00 surrogates"`},
		{`"\ud83d\u0041"`, `"\ud83dA"`},
		{`"raw é ☃"`, `"raw \u00e9 \u2603"`},
		{`{"nested": [{"x": [[]]}]}`, `{"nested": [{"x": [[]]}]}`},
	}
	for _, tc := range cases {
		got, err := appendPyRaw(nil, []byte(tc.in))
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(got), tc.in)
	}
}

func TestAppendPyRaw_errors(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, "invalid JSON at offset 0: unexpected end of input, want a JSON value"},
		{`{"a":}`, "invalid JSON at offset 5: unexpected '}', want a JSON value"},
		{`{"a" 1}`, "invalid JSON at offset 5: unexpected '1', want ':' after an object key"},
		{`{a:1}`, "invalid JSON at offset 1: unexpected 'a', want a string key"},
		{`[1,]`, "invalid JSON at offset 3: unexpected ']', want a JSON value"},
		{`[1 2]`, "invalid JSON at offset 3: unexpected '2', want ',' or ']'"},
		{`{"a":1`, "invalid JSON at offset 6: unexpected end of input, want ',' or '}'"},
		{`01`, "invalid JSON at offset 1: unexpected data after the JSON value"},
		{`-`, "invalid JSON at offset 1: unexpected end of input, want a digit"},
		{`1.`, "invalid JSON at offset 2: unexpected end of input, want a digit after the decimal point"},
		{`1e+`, "invalid JSON at offset 3: unexpected end of input, want a digit in the exponent"},
		{`tru`, "invalid JSON at offset 0: invalid literal, want true"},
		{`nul1`, "invalid JSON at offset 0: invalid literal, want null"},
		{`"abc`, "invalid JSON at offset 4: unterminated string"},
		{"\"a\nb\"", "invalid JSON at offset 2: control character byte 0x0a in string (must be escaped)"},
		{`"\x"`, `invalid JSON at offset 2: invalid escape sequence \x`},
		{`"\u12"`, `invalid JSON at offset 2: invalid \u escape (want four hex digits)`},
		{`Nan`, "invalid JSON at offset 0: invalid literal, want NaN"},
		{`-Inf`, "invalid JSON at offset 1: invalid literal, want Infinity"},
		{`-NaN`, "invalid JSON at offset 1: unexpected 'N', want a digit"},
		{"\x01", "invalid JSON at offset 0: unexpected byte 0x01, want a JSON value"},
	}
	for _, tc := range cases {
		_, err := appendPyRaw(nil, []byte(tc.in))
		require.Error(t, err, tc.in)
		assert.Equal(t, tc.want, err.Error(), tc.in)
	}

	deep := strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2)
	_, err := appendPyRaw(nil, []byte(deep))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nested more than")
}

// appendPyRaw accepts exactly what encoding/json accepts, plus Python's
// NaN, Infinity and -Infinity.
func TestAppendPyRaw_agreesWithEncodingJSON(t *testing.T) {
	inputs := []string{
		`{"a": [1, 2.5, -3e-2, true, false, null, "x"]}`, `"\u0000"`, `[]`, `{}`, ` 0 `,
		`{"a":1}x`, `[1,]`, `{"a"}`, `01`, `.5`, `+1`, `1.e3`, `"\'"`, `[1 2]`, `'a'`, `"` + "\t" + `"`,
		"\"\xff\"", `Infinity`, `-Infinity`, `[-]`, `{"a":1,}`, "\ufeff{}",
	}
	for _, in := range inputs {
		_, err := appendPyRaw(nil, []byte(in))
		nonFinite := in == "Infinity" || in == "-Infinity"
		assert.Equal(t, json.Valid([]byte(in)) || nonFinite, err == nil, "%q: %v", in, err)
		assert.Equal(t, err == nil, ValidJSON([]byte(in)), "%q", in)
	}
}

func TestAppendPyValue(t *testing.T) {
	type point struct {
		X int    `json:"x"`
		Y string `json:"y"`
	}
	var nilMap map[string]any
	var nilPtr *point
	cases := []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{true, `true`},
		{"é", `"\u00e9"`},
		{json.Number("1.50"), `1.50`},
		{json.Number(""), `0`},
		{json.RawMessage(`{"b":1,"a":[]}`), `{"b": 1, "a": []}`},
		{1.0, `1.0`},
		{float32(0.5), `0.5`},
		{int64(-9007199254740993), `-9007199254740993`},
		{uint64(math.MaxUint64), `18446744073709551615`},
		{int8(-1), `-1`},
		{[]any{1, "a", nil, []any{}}, `[1, "a", null, []]`},
		{[]string{"a", "b"}, `["a", "b"]`},
		{map[string]any{"b": 1, "a": map[string]any{}}, `{"a": {}, "b": 1}`},
		{map[string]string{"z": "1", "y": "2"}, `{"y": "2", "z": "1"}`},
		{nilMap, `null`},
		{[]any(nil), `null`},
		{point{X: 1, Y: "<é>"}, `{"x": 1, "y": "<\u00e9>"}`}, // via json.Marshal, re-escaped
		{nilPtr, `null`},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), `"2026-01-02T03:04:05Z"`},
	}
	for _, tc := range cases {
		got, err := appendPyValue(nil, tc.in, 0)
		require.NoError(t, err, "%#v", tc.in)
		assert.Equal(t, tc.want, string(got), "%#v", tc.in)
	}

	got, err := appendPyValue(nil, map[string]any{"k": []any{math.Inf(1), math.Inf(-1), math.NaN(), json.Number("NaN")}}, 0)
	require.NoError(t, err)
	assert.Equal(t, `{"k": [Infinity, -Infinity, NaN, NaN]}`, string(got))
	_, err = appendPyValue(nil, json.Number("1x"), 0)
	assert.Error(t, err)
}

// Python agrees with appendPyString and appendPyFloat on a broad sample:
// every BMP code point class and a sweep of float magnitudes.
func TestPyJSON_matchesPython(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		var lerr error
		if py, lerr = exec.LookPath("python3"); lerr != nil {
			t.Skip("python3 not found: skipping the comparison with Python's json.dumps")
		}
	}
	var sb strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		if r >= 0xd800 && r < 0xe000 {
			continue
		}
		sb.WriteRune(r)
	}
	sb.WriteString("\U0001F600\U00010000\U0010FFFF\uffff\ufffe")
	s := sb.String()

	floats := []float64{0, 1, -1, 0.1, 1e-4, 1e-5, 123.456, 1e15, 1e16, 9007199254740993, 1e21, 1e22, 5e-324, math.MaxFloat64, 2.5e-300}
	for e := -30; e <= 30; e++ {
		floats = append(floats, 1.2345678901234567*math.Pow(10, float64(e)))
	}
	var want bytes.Buffer
	want.Write(appendPyString(nil, s))
	want.WriteByte('\n')
	for i, f := range floats {
		if i > 0 {
			want.WriteString(", ")
		}
		b, err := appendPyFloat(nil, f, 64)
		require.NoError(t, err)
		want.Write(b)
	}

	in, err := json.Marshal(map[string]any{"s": s, "f": floats})
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", `import json, sys
v = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps(v["s"]) + "\n" + ", ".join(json.dumps(float(f)) for f in v["f"]))`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, string(out), want.String())
}
