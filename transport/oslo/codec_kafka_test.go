package oslo_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// goldenKafkaV2 is goldenMessage as oslo's kafka driver writes it: no
// _unique_id, the context nested last (sorted here: the message has no
// ContextKeys), always enveloped.
const goldenKafkaV2 = `{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"de13a3b0-7c55-4b5e-9f4a-2f1c3e5d7a90\", ` +
	`\"publisher_id\": \"compute.host1\", ` +
	`\"event_type\": \"compute.instance.create.end\", ` +
	`\"priority\": \"INFO\", ` +
	`\"payload\": {\"a\": 1, \"when\": \"2020-01-02T03:04:05.000000\", \"text\": \"h\\u00e9llo \\u2603 \\ud83d\\ude00\"}, ` +
	`\"timestamp\": \"2026-11-24 07:30:47.165823\", ` +
	`\"_context\": {\"auth_token\": null, \"project_id\": \"p1\", \"request_id\": \"req-1\", \"roles\": [], \"user\": \"u1\"}}"}`

func TestEncodeNotification_kafkaGolden(t *testing.T) {
	msg, err := oslo.EncodeNotification(goldenMessage(), oslo.EncodeOptions{Dialect: transport.DialectKafka})
	require.NoError(t, err)
	assert.Equal(t, goldenKafkaV2, string(msg.Body))
	assert.Nil(t, msg.Header, "oslo's kafka records have no headers")
	assert.Equal(t, "de13a3b0-7c55-4b5e-9f4a-2f1c3e5d7a90", msg.ID, "no _unique_id on kafka: the message_id is the id")

	// oslo's kafka driver ignores the version: messaging (v1) envelopes too.
	v1, err := oslo.EncodeNotification(goldenMessage(), oslo.EncodeOptions{Version: 1, Dialect: transport.DialectKafka})
	require.NoError(t, err)
	assert.Equal(t, goldenKafkaV2, string(v1.Body))

	empty := goldenMessage()
	empty.Context = nil
	e, err := oslo.EncodeNotification(empty, oslo.EncodeOptions{Dialect: transport.DialectKafka})
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(string(e.Body), `\"_context\": {}}"}`), "an empty context is an empty object, as oslo writes {}: %s", e.Body)
}

func TestEncodeNotification_kafkaErrors(t *testing.T) {
	_, err := oslo.EncodeNotification(goldenMessage(), oslo.EncodeOptions{Dialect: transport.DialectKafka, Compression: "gzip"})
	require.ErrorIs(t, err, transport.ErrEncode)
	assert.Contains(t, err.Error(), "compression_codec")
	_, err = oslo.EncodeNotification(goldenMessage(), oslo.EncodeOptions{Dialect: transport.Dialect(7)})
	require.ErrorIs(t, err, transport.ErrEncode)
	assert.Contains(t, err.Error(), "unknown dialect dialect(7) (valid: amqp, kafka)")
	_, err = oslo.EncodeNotification(&oslo.OsloMessage{Context: map[string]any{"c": make(chan int)}}, oslo.EncodeOptions{Dialect: transport.DialectKafka})
	require.ErrorIs(t, err, transport.ErrEncode)
	assert.Contains(t, err.Error(), `context key "c" cannot be written as JSON`)
}

// The nested context is read on any transport, in its order, as oslo's
// kafka unpack_message hands it over: msg_id, reply_q and client_timeout
// are not rewritten (that is the rabbit driver's unpack_context).
func TestDecodeNotification_kafkaLayout(t *testing.T) {
	body := `{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"m1\", \"priority\": \"INFO\", \"payload\": {\"x\": 1}, ` +
		`\"_timeout\": 5, \"_context_ignored\": 1, \"_context\": {\"zeta\": \"z\", \"msg_id\": \"mm\", \"reply_q\": \"q\", \"alpha\": [1.5, NaN], \"zeta\": \"last\", \"client_timeout\": 7}}"}`
	for name, m := range decodeBoth(t, body) {
		assert.Equal(t, transport.DialectKafka, m.Dialect, name)
		assert.Equal(t, []string{"zeta", "msg_id", "reply_q", "alpha", "client_timeout"}, m.ContextKeys, name)
		assert.Equal(t, map[string]any{
			"zeta": "last", "msg_id": "mm", "reply_q": "q",
			"alpha": []any{json.Number("1.5"), json.Number("NaN")}, "client_timeout": json.Number("7"),
		}, m.Context, name)
		assert.Equal(t, "m1", m.MessageID, name)
		assert.Empty(t, m.UniqueID, name)
		assert.JSONEq(t, `{"x": 1}`, string(m.Payload), name)
	}
	for name, m := range decodeBoth(t, `{"priority": "INFO", "_context": {}}`) {
		assert.Equal(t, transport.DialectKafka, m.Dialect, name)
		assert.Empty(t, m.ContextKeys, name)
		assert.NotNil(t, m.Context, name)
		assert.Equal(t, 1, m.Version, name)
	}
	// A "_context" that is no object is an unknown key, as before: the
	// flattened keys are the context.
	for name, m := range decodeBoth(t, `{"priority": "INFO", "_context": "x", "_context_a": 1}`) {
		assert.Equal(t, transport.DialectAMQP, m.Dialect, name)
		assert.Equal(t, map[string]any{"a": json.Number("1")}, m.Context, name)
	}
}

// decodeBoth decodes body with the public decoder (its fast path) and with
// the reference one.
func decodeBoth(t *testing.T, body string) map[string]*oslo.OsloMessage {
	t.Helper()
	fast, err := oslo.DecodeNotification(transport.Message{Body: []byte(body)})
	require.NoError(t, err, body)
	ref, err := oslo.DecodeReferenceForTest([]byte(body))
	require.NoError(t, err, body)
	return map[string]*oslo.OsloMessage{"fast": fast, "reference": ref}
}

func TestNotification_kafkaRoundTrip(t *testing.T) {
	m := sampleMessage()
	m.ContextKeys = []string{"user", "request_id", "roles", "limits", "big", "note", "nothing", "is_admin"}
	msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Dialect: transport.DialectKafka})
	require.NoError(t, err)
	got, err := oslo.DecodeNotification(msg)
	require.NoError(t, err)
	want := *m
	want.UniqueID, want.Version, want.Dialect = "", 2, transport.DialectKafka
	assert.Equal(t, &want, got)
	again, err := oslo.EncodeNotification(got, oslo.EncodeOptions{Dialect: transport.DialectKafka})
	require.NoError(t, err)
	assert.Equal(t, string(msg.Body), string(again.Body), "decode then encode is byte-identical")
}

// hark's kafka encoding is byte-identical to what the real oslo.messaging
// kafka driver writes: impl_kafka.pack_message then
// jsonutils.dumps(...).encode('utf-8') (ProducerConnection.notify_send),
// and, through the real Notifier (messaging and messagingv2 drivers, the
// producer replaced by a capture), the bodies the notifier sends; and
// hark reads those bodies back as oslo's unpack_message does.
func TestEncodeNotification_kafkaMatchesOslo(t *testing.T) {
	if os.Getenv("HARK_TEST_OSLO") != "1" {
		t.Skip("set HARK_TEST_OSLO=1 to compare with the real oslo.messaging kafka driver (Debian python3-oslo.messaging, python3-confluent-kafka)")
	}
	py := python(t, "the byte comparison with oslo.messaging's kafka driver")

	// Each case: the message's own keys in the notifier's order, and a
	// context in its insertion order (Python dicts keep it).
	type kcase struct {
		Msg  string `json:"msg"`
		Ctxt string `json:"ctxt"`
	}
	cases := []kcase{
		{(`{"message_id": "5f0c3a52-4d7e-4a38-b1c1-6f0e9d2b7a11", "publisher_id": "compute.h\u00f6st", "event_type": "compute.instance.update", "priority": "WARN", ` +
			`"payload": {"s": "q\"b\\s/<>&\n\r\t\b\f\u0001\u007f\u00e9\u2603\ud83d\ude00", "n": [0, -1, 1.5, 1e+16, 1e-05, 12345678901234567890123, 2500.0, -0.0, NaN, Infinity, -Infinity], "nested": {"z": {}, "a": [], "t": true, "f": false, "null": null}}, ` +
			`"timestamp": "2026-01-02 03:04:05"}`),
			(`{"user_id": "u1", "zeta": "z\u00e9", "roles": ["admin", "reader"], "limits": {"cores": 20, "ratio": 1.5}, "big": 12345678901234567890, "ratio": Infinity, "nothing": null, "is_admin": false, "msg_id": "m", "reply_q": "q"}`)},
		{(`{"message_id": "m2", "publisher_id": null, "event_type": "e", "priority": "INFO", "payload": null, "timestamp": "2026-01-02 03:04:05.120000"}`),
			(`{}`)},
		{(`{"message_id": "m3", "publisher_id": "p", "event_type": "e\u2603", "priority": "SAMPLE", "payload": [1, "two", {"3": 4}], "timestamp": "t"}`),
			(`{"request_id": "req-1", "a": {"b": {"c": [[], {}]}}}`)},
	}
	in, err := json.Marshal(cases)
	require.NoError(t, err)
	script := `import json, sys
try:
    from oslo_config import cfg
    import oslo_messaging
    from oslo_messaging._drivers import impl_kafka
    from oslo_serialization import jsonutils
    from oslo_context import context as octx
except ImportError as e:
    sys.stdout.write("SKIP " + str(e)); sys.exit(0)
packed = []
for c in json.loads(sys.stdin.read()):
    packed.append(jsonutils.dumps(impl_kafka.pack_message(json.loads(c["ctxt"]), json.loads(c["msg"]))).encode("utf-8").decode("ascii"))
captured = []
impl_kafka.ProducerConnection._ensure_producer = lambda self: None
impl_kafka.ProducerConnection._produce_message = lambda self, topic, message: captured.append([topic, message.decode("ascii")])
conf = cfg.ConfigOpts()
conf([])
tr = oslo_messaging.get_notification_transport(conf, url="kafka://127.0.0.1:1/")
v2 = oslo_messaging.Notifier(tr, publisher_id="compute.h\u00f6st", driver="messagingv2", topics=["notifications", "audit"])
v1 = oslo_messaging.Notifier(tr, publisher_id="p1", driver="messaging", topics=["notifications"])
rc = octx.RequestContext(user_id="u1", project_id="p1", request_id="req-\u00e9", roles=["admin", "reader"], auth_token="secret")
v2.info(rc.to_dict(), "compute.instance.create.end", {"a": 1, "nan": float("nan"), "l": [float("inf"), 1e16, 2500.0, -0.0, 12345678901234567890123], "s": "q\"b\\/\n\u2603\U0001F600"})
v2.warn({"user_id": "u2", "is_admin": True, "roles": []}, "x.y", None)
v1.error({}, "legacy.v1", [1, 2])
tr.cleanup()
json.dump({"packed": packed, "notifier": captured}, sys.stdout)`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	if bytes.HasPrefix(out, []byte("SKIP")) {
		t.Skipf("oslo.messaging's kafka driver not importable by %s: %s", py, out)
	}
	var got struct {
		Packed   []string    `json:"packed"`
		Notifier [][2]string `json:"notifier"`
	}
	require.NoError(t, json.Unmarshal(out, &got))
	require.Len(t, got.Packed, len(cases))
	require.Len(t, got.Notifier, 5, "2 topics × 2 notifications (messagingv2) + 1 (messaging)")

	for i, c := range cases {
		m := kafkaCaseMessage(t, []byte(c.Msg), []byte(c.Ctxt))
		enc, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Dialect: transport.DialectKafka})
		require.NoError(t, err)
		assert.Equal(t, got.Packed[i], string(enc.Body), "case %d: hark's bytes are oslo's", i)

		// And hark reads oslo's bytes back to the same message.
		for name, d := range decodeBoth(t, got.Packed[i]) {
			want := *m
			want.Version, want.Dialect = 2, transport.DialectKafka
			assert.Equal(t, &want, d, "case %d, %s decoder", i, name)
		}
	}

	for i, rec := range got.Notifier {
		topic, body := rec[0], rec[1]
		m, err := oslo.DecodeNotification(transport.Message{Body: []byte(body)})
		require.NoError(t, err, topic)
		assert.Equal(t, transport.DialectKafka, m.Dialect, topic)
		assert.Equal(t, 2, m.Version, "oslo's kafka driver envelopes even the v1 messaging driver's notifications (%s)", topic)
		assert.Empty(t, m.UniqueID)
		// The notifier writes the sanitized context in to_dict's order;
		// hark writes it back the same from ContextKeys.
		for _, version := range []int{1, 2} {
			again, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Version: version, Dialect: transport.DialectKafka})
			require.NoError(t, err)
			assert.Equal(t, body, string(again.Body), "record %d (%s), version %d", i, topic, version)
			assert.Equal(t, m.MessageID, again.ID)
		}
	}
	assert.Equal(t, "notifications.info", got.Notifier[0][0])
	first, err := oslo.DecodeNotification(transport.Message{Body: []byte(got.Notifier[0][1])})
	require.NoError(t, err)
	assert.Equal(t, "u1", first.Context["user"], "the context oslo rebuilt and wrote")
	assert.Equal(t, []any{"admin", "reader"}, first.Context["roles"])
	assert.NotContains(t, first.Context, "auth_token", "oslo's notifier sanitizes the context")
}

// kafkaCaseMessage builds the OsloMessage of a case from its JSON.
func kafkaCaseMessage(t *testing.T, msg, ctxt []byte) *oslo.OsloMessage {
	t.Helper()
	fields, _, err := oslo.DecodeObject(msg)
	require.NoError(t, err)
	str := func(k string) string {
		s, _ := fields[k].(string)
		return s
	}
	payload, err := oslo.RawMember(msg, "payload")
	require.NoError(t, err)
	ctx, keys, err := oslo.DecodeObject(ctxt)
	require.NoError(t, err)
	return &oslo.OsloMessage{
		MessageID: str("message_id"), PublisherID: str("publisher_id"), EventType: str("event_type"),
		Priority: str("priority"), Timestamp: str("timestamp"), Payload: payload, Context: ctx, ContextKeys: keys,
	}
}

// The context a handler gets from a kafka-layout body is the ctxt oslo's
// kafka listener builds with its own unpack_message (the real library run
// by CPython): the same keys in the same order with the same values, and
// no RPC rewrites (msg_id, reply_q and client_timeout kept as sent, no
// client_timeout added, _timeout ignored).
func TestDecodeNotification_contextAsOsloKafkaUnpacks(t *testing.T) {
	if os.Getenv("HARK_TEST_OSLO") != "1" {
		t.Skip("set HARK_TEST_OSLO=1 to compare with the real oslo.messaging kafka driver (Debian python3-oslo.messaging, python3-confluent-kafka)")
	}
	py := python(t, "the comparison with oslo.messaging's kafka unpack_message")
	bodies := []string{
		`{"oslo.version": "2.0", "oslo.message": "{\"priority\": \"INFO\", \"_timeout\": 5, \"_context\": {\"z\": 1, \"msg_id\": \"m\", \"a\": NaN, \"reply_q\": \"q\", \"client_timeout\": 7, \"m\": {\"k\": [1.5, \"x\"]}}}"}`,
		`{"oslo.version": "2.0", "oslo.message": "{\"_context\": {\"a\": 1, \"b\": 2, \"a\": 3, \"\\u00e9\": \"\\ud83d\\ude00\"}, \"_context_ignored\": true}"}`,
		`{"priority": "INFO", "_context": {}}`,
		`{"priority": "INFO", "_context": {"zeta": "z", "alpha": -Infinity, "mid": null}}`,
	}
	in, err := json.Marshal(bodies)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", `import json, sys
try:
    from oslo_messaging._drivers import impl_kafka
except ImportError as e:
    sys.stdout.write("SKIP " + str(e)); sys.exit(0)
out = []
for body in json.loads(sys.stdin.read()):
    ctxt, _ = impl_kafka.unpack_message(body.encode("utf-8"))
    out.append([[k, json.dumps(v)] for k, v in ctxt.items()])
sys.stdout.write(json.dumps(out))`)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	if bytes.HasPrefix(out, []byte("SKIP")) {
		t.Skipf("oslo.messaging's kafka driver not importable by %s: %s", py, out)
	}
	var want [][][2]string
	require.NoError(t, json.Unmarshal(out, &want))
	require.Len(t, want, len(bodies))
	for i, body := range bodies {
		for name, m := range decodeBoth(t, body) {
			got := [][2]string{}
			for _, k := range m.ContextKeys {
				v, err := oslo.EncodeJSON(m.Context[k])
				require.NoError(t, err)
				got = append(got, [2]string{k, string(v)})
			}
			assert.Len(t, m.Context, len(m.ContextKeys), "%s %s", name, body)
			assert.Equal(t, want[i], got, "%s decoder, body %s", name, body)
			assert.Equal(t, transport.DialectKafka, m.Dialect)
		}
	}
}
