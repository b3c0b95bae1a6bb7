package oslo_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

func TestNewMessageID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := oslo.NewMessageID(), oslo.NewMessageID()
	assert.Regexp(t, re, a)
	assert.NotEqual(t, a, b)
}

func TestNewUniqueID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$`)
	a, b := oslo.NewUniqueID(), oslo.NewUniqueID()
	assert.Regexp(t, re, a)
	assert.Len(t, a, 32)
	assert.NotEqual(t, a, b)
}

func TestFormatTimestamp(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	cases := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 24, 7, 30, 47, 165823000, time.UTC), "2026-11-24 07:30:47.165823"},
		// Python's str(datetime) drops the fraction when it is zero.
		{time.Date(2026, 11, 24, 7, 30, 47, 0, time.UTC), "2026-11-24 07:30:47"},
		// Below a microsecond does not count (datetime has none)...
		{time.Date(2026, 11, 24, 7, 30, 47, 999, time.UTC), "2026-11-24 07:30:47"},
		// ...and is truncated, not rounded.
		{time.Date(2026, 11, 24, 7, 30, 47, 1999, time.UTC), "2026-11-24 07:30:47.000001"},
		{time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC), "2026-01-02 03:04:05.120000"},
		// Naive UTC: other zones are converted.
		{time.Date(2026, 1, 1, 0, 30, 0, 0, cet), "2025-12-31 23:30:00"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, oslo.FormatTimestamp(tc.in), tc.in.String())
	}
}

// goldenMessage is the observed v2 body of spec §4.2, plus a payload string
// that needs escaping.
func goldenMessage() *oslo.OsloMessage {
	return &oslo.OsloMessage{
		MessageID:   "de13a3b0-7c55-4b5e-9f4a-2f1c3e5d7a90",
		PublisherID: "compute.host1",
		EventType:   "compute.instance.create.end",
		Priority:    "INFO",
		Payload:     json.RawMessage(`{"a":1,"when":"2020-01-02T03:04:05.000000","text":"héllo ☃ 😀"}`),
		Timestamp:   "2026-11-24 07:30:47.165823",
		UniqueID:    "635b8654863a44459f5f24507eee7e62",
		Context: map[string]any{
			"user":       "u1",
			"project_id": "p1",
			"request_id": "req-1",
			"roles":      []any{},
			"auth_token": nil,
		},
	}
}

// goldenInner is goldenMessage as Python's json.dumps writes it (context
// keys sorted), written out by hand.
const goldenInner = `{"message_id": "de13a3b0-7c55-4b5e-9f4a-2f1c3e5d7a90", ` +
	`"publisher_id": "compute.host1", ` +
	`"event_type": "compute.instance.create.end", ` +
	`"priority": "INFO", ` +
	`"payload": {"a": 1, "when": "2020-01-02T03:04:05.000000", "text": "h\u00e9llo \u2603 \ud83d\ude00"}, ` +
	`"timestamp": "2026-11-24 07:30:47.165823", ` +
	`"_unique_id": "635b8654863a44459f5f24507eee7e62", ` +
	`"_context_auth_token": null, ` +
	`"_context_project_id": "p1", ` +
	`"_context_request_id": "req-1", ` +
	`"_context_roles": [], ` +
	`"_context_user": "u1"}`

// goldenV2 is the v2 envelope around goldenInner: the inner JSON as a JSON
// string, so its quotes and backslashes are escaped once more.
const goldenV2 = `{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"de13a3b0-7c55-4b5e-9f4a-2f1c3e5d7a90\", ` +
	`\"publisher_id\": \"compute.host1\", ` +
	`\"event_type\": \"compute.instance.create.end\", ` +
	`\"priority\": \"INFO\", ` +
	`\"payload\": {\"a\": 1, \"when\": \"2020-01-02T03:04:05.000000\", \"text\": \"h\\u00e9llo \\u2603 \\ud83d\\ude00\"}, ` +
	`\"timestamp\": \"2026-11-24 07:30:47.165823\", ` +
	`\"_unique_id\": \"635b8654863a44459f5f24507eee7e62\", ` +
	`\"_context_auth_token\": null, ` +
	`\"_context_project_id\": \"p1\", ` +
	`\"_context_request_id\": \"req-1\", ` +
	`\"_context_roles\": [], ` +
	`\"_context_user\": \"u1\"}"}`

func TestEncodeNotification_goldenV2(t *testing.T) {
	msg, err := oslo.EncodeNotification(goldenMessage(), oslo.EncodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, goldenV2, string(msg.Body))
	assert.Equal(t, "635b8654863a44459f5f24507eee7e62", msg.ID, "the per-send _unique_id is the broker de-duplication key")
	assert.Nil(t, msg.Header)

	noUnique := goldenMessage()
	noUnique.UniqueID = ""
	bare, err := oslo.EncodeNotification(noUnique, oslo.EncodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, "de13a3b0-7c55-4b5e-9f4a-2f1c3e5d7a90", bare.ID, "without a _unique_id, the message_id")

	explicit, err := oslo.EncodeNotification(goldenMessage(), oslo.EncodeOptions{Version: 2})
	require.NoError(t, err)
	assert.Equal(t, msg.Body, explicit.Body)
}

func TestEncodeNotification_goldenV1(t *testing.T) {
	msg, err := oslo.EncodeNotification(goldenMessage(), oslo.EncodeOptions{Version: 1})
	require.NoError(t, err)
	assert.Equal(t, goldenInner, string(msg.Body))
}

func TestEncodeNotification_defaults(t *testing.T) {
	msg, err := oslo.EncodeNotification(&oslo.OsloMessage{MessageID: "m", EventType: "e", Priority: "INFO", Timestamp: "t"}, oslo.EncodeOptions{Version: 1})
	require.NoError(t, err)
	// publisher_id null when empty, payload null when empty, no
	// _unique_id when empty, no context keys.
	assert.Equal(t, `{"message_id": "m", "publisher_id": null, "event_type": "e", "priority": "INFO", "payload": null, "timestamp": "t"}`, string(msg.Body))
}

func TestEncodeNotification_errors(t *testing.T) {
	cases := []struct {
		name   string
		m      *oslo.OsloMessage
		o      oslo.EncodeOptions
		errSub string
	}{
		{"nil", nil, oslo.EncodeOptions{}, "nil message"},
		{"bad payload", &oslo.OsloMessage{Payload: json.RawMessage(`{"a":}`)}, oslo.EncodeOptions{}, "payload is not valid JSON: invalid JSON at offset 5"},
		{"payload trailing data", &oslo.OsloMessage{Payload: json.RawMessage(`1 2`)}, oslo.EncodeOptions{}, "unexpected data after the JSON value"},
		{"version", &oslo.OsloMessage{}, oslo.EncodeOptions{Version: 3}, "unknown version 3"},
		{"compression", &oslo.OsloMessage{}, oslo.EncodeOptions{Compression: "snappy"}, `unknown compression "snappy" (valid: bz2, bzip2, gzip, lzma, xz, zlib`},
		{"context channel", &oslo.OsloMessage{Context: map[string]any{"c": make(chan int)}}, oslo.EncodeOptions{}, `context key "c" cannot be written as JSON`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oslo.EncodeNotification(tc.m, tc.o)
			require.ErrorIs(t, err, transport.ErrEncode)
			assert.Contains(t, err.Error(), tc.errSub)
		})
	}
}

// python returns a Python 3 interpreter, preferring the system one (the
// one oslo.messaging is installed for), or skips the test saying what is
// not checked.
func python(t *testing.T, what string) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skipf("python3 not found: skipping %s", what)
	}
	return py
}

// Python re-serialising hark's inner JSON gives the same bytes: hark writes
// exactly json.dumps's style.
func TestEncodeNotification_matchesPython(t *testing.T) {
	py := python(t, "the byte comparison with Python's json.dumps")
	for name, m := range map[string]*oslo.OsloMessage{"golden": goldenMessage(), "sample": sampleMessage()} {
		t.Run(name, func(t *testing.T) {
			v1, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Version: 1})
			require.NoError(t, err)
			v2, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Version: 2})
			require.NoError(t, err)
			cmd := exec.Command(py, "-c", `import json, sys
inner = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps(inner) + "\n" + json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(inner)}))`)
			cmd.Stdin = bytes.NewReader(v1.Body)
			out, err := cmd.Output()
			require.NoError(t, err)
			pyV1, pyV2, _ := strings.Cut(string(out), "\n")
			assert.Equal(t, pyV1, string(v1.Body))
			assert.Equal(t, pyV2, string(v2.Body))
		})
	}
}

// sampleMessage exercises escaping, numbers and nesting. Its payload is
// already in Python style and its context numbers are json.Number, so a
// round trip gives it back unchanged.
func sampleMessage() *oslo.OsloMessage {
	return &oslo.OsloMessage{
		MessageID:   "5f0c3a52-4d7e-4a38-b1c1-6f0e9d2b7a11",
		PublisherID: "compute.h\u00f6st",
		EventType:   "compute.instance.update",
		Priority:    "WARN",
		Payload: json.RawMessage(`{"s": "q\"b\\s/<>&\n\r\t\b\f\u0001\u007f\u00e9\u2603\ud83d\ude00\ud800", ` +
			`"n": [0, -1, 1.5, 1e+16, 1e-05, 12345678901234567890123, 2500.0, -0.0], "nested": {"z": {}, "a": [], "t": true, "f": false, "null": null}}`),
		Timestamp: "2026-01-02 03:04:05",
		UniqueID:  "a3c5e7f9b1d34f6a8c0e2a4b6c8d0e1f",
		Context: map[string]any{
			"user":       "u1",
			"is_admin":   false,
			"roles":      []any{"admin", "reader"},
			"limits":     map[string]any{"cores": json.Number("20"), "ratio": json.Number("1.5")},
			"big":        json.Number("12345678901234567890"),
			"note":       "tab\tand \u2603",
			"nothing":    nil,
			"request_id": "req-\u00e9",
		},
	}
}

func TestNotification_roundTrip(t *testing.T) {
	for _, version := range []int{1, 2} {
		for _, compression := range []string{"", "gzip", "zlib", "bz2", "bzip2", "xz", "lzma"} {
			t.Run(compression, func(t *testing.T) {
				m := sampleMessage()
				msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Version: version, Compression: compression})
				require.NoError(t, err)
				got, err := oslo.DecodeNotification(msg)
				require.NoError(t, err)
				m.Version = version
				keys := slices.Sorted(maps.Keys(m.Context))
				assert.Equal(t, keys, got.ContextKeys, "written sorted, read in order")
				m.ContextKeys = keys
				assert.Equal(t, m, got)
			})
		}
	}
}

// Decode then encode gives back oslo's bytes: nothing is lost or reordered.
func TestNotification_reencodeIsByteIdentical(t *testing.T) {
	for _, body := range []string{goldenV2, goldenInner, pyBody} {
		m, err := oslo.DecodeNotification(transport.Message{Body: []byte(body)})
		require.NoError(t, err)
		again, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Version: m.Version})
		require.NoError(t, err)
		assert.Equal(t, body, string(again.Body))
	}
}

func TestDecodeNotification_golden(t *testing.T) {
	for name, body := range map[string]string{"v2": goldenV2, "v1": goldenInner} {
		t.Run(name, func(t *testing.T) {
			m, err := oslo.DecodeNotification(transport.Message{Body: []byte(body)})
			require.NoError(t, err)
			want := goldenMessage()
			want.Version = map[string]int{"v1": 1, "v2": 2}[name]
			assert.JSONEq(t, string(want.Payload), string(m.Payload))
			want.Payload = m.Payload
			assert.ElementsMatch(t, slices.Collect(maps.Keys(want.Context)), m.ContextKeys)
			want.ContextKeys = m.ContextKeys
			assert.Equal(t, want, m)
		})
	}
}

// spec §4.6: the minimal input oslo dispatches.
func TestDecodeNotification_minimal(t *testing.T) {
	m, err := oslo.DecodeNotification(transport.Message{Body: []byte(`{"priority":"info","payload":{"a": [1, 2]}}`)})
	require.NoError(t, err)
	assert.Equal(t, &oslo.OsloMessage{
		Priority: "info",
		Payload:  json.RawMessage(`{"a": [1, 2]}`),
		Context:  map[string]any{},
		Version:  1,
	}, m)
}

func TestDecodeNotification_fields(t *testing.T) {
	body := `{"message_id": null, "publisher_id": null, "event_type": "e", "timestamp": null, "_unique_id": null, ` +
		`"_msg_id": "rpc", "_reply_q": "q", "_timeout": 5, "other": [1], ` +
		`"_context_n": 1.50, "_context_nested": {"a": [true, null, 2]}, "_context_": "empty name"}`
	m, err := oslo.DecodeNotification(transport.Message{Body: []byte(body)})
	require.NoError(t, err)
	assert.Equal(t, &oslo.OsloMessage{
		EventType: "e",
		Payload:   json.RawMessage("null"),
		Context: map[string]any{
			"n":      json.Number("1.50"),
			"nested": map[string]any{"a": []any{true, nil, json.Number("2")}},
			"":       "empty name",
			// oslo's unpack_context: client_timeout is "_timeout".
			"client_timeout": json.Number("5"),
		},
		ContextKeys: []string{"n", "nested", "", "client_timeout"},
		Version:     1,
	}, m)
}

// A body with only one of the envelope keys is a v1 message, as in oslo.
func TestDecodeNotification_halfEnvelopeIsV1(t *testing.T) {
	m, err := oslo.DecodeNotification(transport.Message{Body: []byte(`{"oslo.message": "{}", "event_type": "e"}`)})
	require.NoError(t, err)
	assert.Equal(t, 1, m.Version)
	assert.Equal(t, "e", m.EventType)

	m, err = oslo.DecodeNotification(transport.Message{Body: []byte(`{"oslo.version": "9.9", "event_type": "e"}`)})
	require.NoError(t, err)
	assert.Equal(t, 1, m.Version)
}

func TestDecodeNotification_envelopeVersions(t *testing.T) {
	cases := []struct {
		version string // raw JSON
		ok      bool
	}{
		{`"2.0"`, true},
		{`"2.0.0"`, true},
		{`"02.00"`, true},
		{`"2.0.0.9"`, true}, // oslo ignores a fourth part
		{`"2"`, false},
		{`"2.1"`, false},
		{`"2.0.1"`, false},
		{`"3.0"`, false},
		{`"1.0"`, false},
		{`"two"`, false},
		{`"2.x"`, false},
		{`2.0`, false},
		{`null`, false},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			body := `{"oslo.version": ` + tc.version + `, "oslo.message": "{\"event_type\": \"e\"}"}`
			m, err := oslo.DecodeNotification(transport.Message{Body: []byte(body)})
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, 2, m.Version)
				assert.Equal(t, "e", m.EventType)
				return
			}
			require.ErrorIs(t, err, transport.ErrDecode)
			assert.Contains(t, err.Error(), "oslo.version")
		})
	}
}

func TestDecodeNotification_errors(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		errSub string
	}{
		{"empty", ``, "body is empty, want a JSON object"},
		{"blank", " \n", "body is empty"},
		{"not json", `hello`, "body is not valid JSON: invalid character 'h' looking for beginning of value at offset 1"},
		{"truncated", `{"a": 1`, "body is not valid JSON: unexpected end of JSON input"},
		{"bad json inside", `{"a": tru}`, "body is not valid JSON: invalid character '}' in literal true (expecting 'e') at offset 10"},
		{"trailing data", `{"a": 1} x`, "body is not valid JSON: invalid character 'x' after top-level value at offset 10"},
		{"array", `[{"priority": "info"}]`, `body is a JSON array ([{"priority": "info"}]), want an object`},
		{"string", `"hello"`, `body is a JSON string ("hello"), want an object`},
		{"number", `42`, "body is a JSON number (42), want an object"},
		{"null", `null`, "body is a JSON null"},
		{"v2 message object", `{"oslo.version": "2.0", "oslo.message": {"event_type": "e"}}`, "oslo.message is a JSON object, want a string holding the message's JSON"},
		{"v2 message null", `{"oslo.version": "2.0", "oslo.message": null}`, "oslo.message is a JSON null"},
		{"v2 message not json", `{"oslo.version": "2.0", "oslo.message": "nope"}`, "oslo.message is not valid JSON: invalid character 'o' in literal null (expecting 'u') at offset 2"},
		{"v2 message array", `{"oslo.version": "2.0", "oslo.message": "[1]"}`, "oslo.message is a JSON array ([1]), want an object"},
		{"v2 version 3.0", `{"oslo.version": "3.0", "oslo.message": "{}"}`, `unsupported oslo.version "3.0": hark, like oslo.messaging, accepts envelope version 2.0`},
		{"v2 version 2.1", `{"oslo.version": "2.1", "oslo.message": "{}"}`, `unsupported oslo.version "2.1"`},
		{"v2 version number", `{"oslo.version": 2.0, "oslo.message": "{}"}`, `oslo.version is a JSON number (2.0), want a string such as "2.0"`},
		{"event_type list", `{"event_type": ["a", "b"]}`, `field "event_type" is a JSON array (["a", "b"]), want a string or null`},
		{"priority number", `{"priority": 20}`, `field "priority" is a JSON number (20), want a string or null`},
		{"publisher object", `{"publisher_id": {"host": "h"}}`, `field "publisher_id" is a JSON object`},
		{"message_id bool", `{"message_id": true}`, `field "message_id" is a JSON boolean`},
		{"timestamp number", `{"timestamp": 1700000000}`, `field "timestamp" is a JSON number`},
		{"unique id number", `{"_unique_id": 7}`, `field "_unique_id" is a JSON number`},
		{"v2 inner bad field", `{"oslo.version": "2.0", "oslo.message": "{\"event_type\": [1]}"}`, `field "event_type" is a JSON array`},
		{"long excerpt", `{"event_type": ["` + strings.Repeat("é", 40) + `"]}`, `field "event_type" is a JSON array (["ééééééééééééééééééé…)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := oslo.DecodeNotification(transport.Message{Body: []byte(tc.body)})
			require.Error(t, err)
			assert.Nil(t, m)
			require.ErrorIs(t, err, transport.ErrDecode)
			assert.Contains(t, err.Error(), tc.errSub)
		})
	}
}

func FuzzDecodeNotification(f *testing.F) {
	headers := []string{"", oslo.CompressionGzip, oslo.CompressionBzip2, oslo.CompressionXz, "application/x-brotli"}
	f.Add([]byte(goldenV2), uint8(0))
	f.Add([]byte(goldenInner), uint8(0))
	f.Add([]byte(pyBody), uint8(0))
	f.Add([]byte(`{"priority":"info","payload":{"a":1}}`), uint8(0))
	f.Add([]byte(`{"oslo.version": "2.0", "oslo.message": "{\"payload\": \"\\ud800\", \"_context_x\": [1e5]}"}`), uint8(0))
	f.Add([]byte(`[1, 2]`), uint8(0))
	f.Add([]byte(goldenKafkaV2), uint8(0))
	f.Add([]byte("{\"event_type\": \"\xff\xfe\"}"), uint8(0))
	for _, g := range pyCompressed {
		b, _ := hex.DecodeString(g.hex)
		for j, h := range headers {
			if h == g.header {
				f.Add(b, uint8(j))
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, h uint8) {
		msg := transport.Message{Body: body}
		if hv := headers[int(h)%len(headers)]; hv != "" {
			msg.Header = transport.Header{oslo.HeaderCompression: hv}
		}
		m, err := oslo.DecodeNotification(msg)
		if err != nil {
			require.ErrorIs(t, err, transport.ErrDecode)
			require.Nil(t, m)
			return
		}
		require.NotNil(t, m.Context)
		require.True(t, json.Valid(m.Payload), "payload %q", m.Payload)

		// Whatever decodes re-encodes in its dialect, and re-encoding is
		// stable.
		first, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Version: m.Version, Dialect: m.Dialect})
		require.NoError(t, err)
		m2, err := oslo.DecodeNotification(first)
		require.NoError(t, err)
		second, err := oslo.EncodeNotification(m2, oslo.EncodeOptions{Version: m2.Version, Dialect: m2.Dialect})
		require.NoError(t, err)
		require.Equal(t, string(first.Body), string(second.Body))
		m.Payload, m2.Payload = nil, nil
		if m.Dialect == transport.DialectKafka {
			// oslo's kafka layout is always enveloped, without _unique_id.
			m.Version, m.UniqueID = 2, ""
		}
		require.Equal(t, m, m2)
	})
}

func BenchmarkEncodeNotification(b *testing.B) {
	m := sampleMessage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := oslo.EncodeNotification(m, oslo.EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeNotificationKafka(b *testing.B) {
	m := sampleMessage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Dialect: transport.DialectKafka}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeNotification decodes oslo v2 envelopes: "escapes" is
// sampleMessage, dense with escapes and nested values (the decoder's
// worst case), "nova" a typical Nova instance update of about 900 bytes,
// "nova-kafka" the same in oslo's kafka layout (nested context), and "nova/encoding-json" the same body decoded the way a program using
// encoding/json alone would (envelope, then the message string), for
// comparison.
func BenchmarkDecodeNotification(b *testing.B) {
	nova, err := oslo.EncodeNotification(&oslo.OsloMessage{
		MessageID: "0f9d4c1e-8a2b-4e43-9f2a-5b6c7d8e9f00", UniqueID: "a3c5e7f9b1d34f6a8c0e2a4b6c8d0e1f",
		PublisherID: "compute.host1", EventType: "compute.instance.update", Priority: "INFO",
		Payload: json.RawMessage(`{"instance_id": "6f0b7c43-2a4e-4e0b-9a57-0c9a7d1f3e21", "state": "active", "host": "compute-17", ` +
			`"flavor": {"vcpus": 4, "memory_mb": 8192, "root_gb": 80}, "metadata": {"env": "prod", "team": "billing"}}`),
		Timestamp: "2026-11-24 08:00:00.000000",
		Context:   map[string]any{"request_id": "req-6d2f", "user_id": "u-1", "project_id": "p-1", "is_admin": false, "roles": []any{"member", "reader"}},
	}, oslo.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	escapes, err := oslo.EncodeNotification(sampleMessage(), oslo.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	novaKafka, err := oslo.DecodeNotification(nova)
	if err != nil {
		b.Fatal(err)
	}
	kafka, err := oslo.EncodeNotification(novaKafka, oslo.EncodeOptions{Dialect: transport.DialectKafka})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		msg  transport.Message
	}{{"escapes", escapes}, {"nova", nova}, {"nova-kafka", kafka}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.msg.Body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := oslo.DecodeNotification(tc.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("nova/encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(nova.Body)))
		b.ReportAllocs()
		for b.Loop() {
			var env struct {
				Message string `json:"oslo.message"`
			}
			if err := json.Unmarshal(nova.Body, &env); err != nil {
				b.Fatal(err)
			}
			var n map[string]any
			if err := json.Unmarshal([]byte(env.Message), &n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
