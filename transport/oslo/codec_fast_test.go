package oslo

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkFastMatchesReference asserts that decodeFast agrees with the
// reference decoder: the same message when it accepts body, and a reference
// error when it declines (except for nesting deeper than it scans).
func checkFastMatchesReference(t *testing.T, body []byte) {
	t.Helper()
	fast, ok := decodeFast(body)
	ref, err := decodeReference("body", body)
	if ok {
		require.NoError(t, err, "fast path accepted what the reference rejects")
		require.Equal(t, ref, fast)
		return
	}
	if err == nil && bytes.Count(body, []byte("["))+bytes.Count(body, []byte("{")) <= scanMaxDepth {
		t.Fatalf("fast path declined %q, which the reference decodes", body)
	}
}

func TestDecodeFast_matchesReference(t *testing.T) {
	for _, body := range []string{
		`{}`, ` {"a": 1} `, `{"payload": null}`, `{"payload": "x"}`,
		`{"oslo.version": "2.0", "oslo.message": "{}"}`,
		`{"oslo.version": "2.0.0", "oslo.message": " {\"event_type\": \"e\"} "}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"payload\": \"\\ud800\", \"_context_x\": [1e5]}"}`,
		`{"event_\u0074ype": "e\u00e9\ud83d\ude00\ud800\udc00x\ud800", "_context_\u0078": {"k": [1, -0.5e+3, "s", true, false, null, {}], "k": 2}}`,
		"{\"event_type\": \"\xff\xfe\", \"_context_\xff\": \"\xc3\"}",
		`{"_context_a": 1, "_context_a": "2", "priority": null, "priority": "INFO"}`,
		`{"message_id": "m", "message_id": 5}`,
		`{"a": 1} x`, `{"a": 01}`, `{"a": "\'"}`, `{"a": "` + "\t" + `"}`, `{"a": [1,]}`,
		`{"oslo.version": "2.1", "oslo.message": "{}"}`,
		`{"oslo.version": "2.0", "oslo.message": "[1]"}`,
		// oslo's kafka layout: a nested context, read as sent.
		`{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"m\", \"_context\": {\"b\": 1, \"msg_id\": \"x\", \"a\": [NaN], \"b\": 2}}"}`,
		`{"_cont\u0065xt": {"\u0078": {}, "reply_q": null}, "_context_y": 1, "_timeout": 3}`,
		`{"_context": {}, "_context": "not an object", "_context_z": true}`,
		`{"_context": "x", "_context": {"k": "v"}}`,
		`{"_context": {"a": 1,}}`, `{"_context": {"a" 1}}`, `{"_context": null, "_context_q": 1}`,
	} {
		checkFastMatchesReference(t, []byte(body))
	}
}

func FuzzDecodeFastMatchesReference(f *testing.F) {
	f.Add([]byte(`{"oslo.version": "2.0", "oslo.message": "{\"payload\": {\"a\": \"\\u00e9\"}, \"_context_n\": 1.50}"}`))
	f.Add([]byte(`{"event_type": "e", "_context_x": {"a": [1, "\ud83d\ude00"]}}`))
	f.Add([]byte(`{"oslo.version": "2.0", "oslo.message": "{\"_context\": {\"a\": [1, \"\\u00e9\"], \"a\": 2}}"}`))
	f.Fuzz(func(t *testing.T, body []byte) { checkFastMatchesReference(t, body) })
}
