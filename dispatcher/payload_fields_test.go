package dispatcher

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
)

// referenceMatch is how payload filters used to work: decode the top level
// into a map with encoding/json, then match the key's string value.
func referenceMatch(payload []byte, key string, re *regexp.Regexp) bool {
	var fields map[string]json.RawMessage
	trimmed := bytes.TrimLeft(payload, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &fields) != nil {
		return false
	}
	raw := fields[key]
	if len(raw) == 0 || raw[0] != '"' {
		return false
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && re.MatchString(s)
}

func checkPayloadMatch(t *testing.T, payload []byte, key, pattern string) {
	t.Helper()
	re, err := compilePython(pattern)
	if err != nil {
		return
	}
	var p payloadFields
	got := p.scan(payload) && p.matchString(key, newPattern(re))
	if want := referenceMatch(payload, key, re); got != want {
		t.Fatalf("payload %q key %q pattern %q: got %v, want %v", payload, key, pattern, got, want)
	}
}

func TestPayloadFields_matchesUnmarshal(t *testing.T) {
	for _, c := range []struct{ payload, key, pattern string }{
		{`{"state": "active"}`, "state", "^active$"},
		{` {"state": "active"} `, "state", "act"},
		{`{"state": "active", "state": "deleted"}`, "state", "^active"},
		{`{"st\u0061te": "active"}`, "state", "^active"},
		{`{"state": "\u0061ctive"}`, "state", "^active"},
		{"{\"state\": \"\xffx\"}", "state", "^.x"},
		{`{"state": 1}`, "state", "1"},
		{`{"state": null}`, "state", ""},
		{`{"a": [1, {"state": "x"}]}`, "state", ""},
		{`{"state": "x"} 1`, "state", ""},
		{`{"state": "x",}`, "state", ""},
		{`["state"]`, "state", ""},
		{`{"state": "x", "n": 01}`, "state", ""},
	} {
		checkPayloadMatch(t, []byte(c.payload), c.key, c.pattern)
	}
}

func FuzzPayloadFieldsMatchesUnmarshal(f *testing.F) {
	f.Add([]byte(`{"state": "active", "n": [1, 2.5e3, {"x": null}]}`), "state", "^act")
	f.Add([]byte(`{"st\u0061te": "\ud83d\ude00", "state": true}`), "state", ".")
	f.Fuzz(func(t *testing.T, payload []byte, key, pattern string) {
		checkPayloadMatch(t, payload, key, pattern)
	})
}
