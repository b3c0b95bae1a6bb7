package endpoints

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// kafkaDialect is a transport whose oslo peers read oslo's kafka layout,
// as the kafka transport reports.
type kafkaDialect struct{ transport.Transport }

func (kafkaDialect) Dialect() transport.Dialect { return transport.DialectKafka }

// fwdMessage is the notification forwarded in these tests.
func fwdMessage() *oslo.OsloMessage {
	return &oslo.OsloMessage{
		MessageID: "11111111-2222-3333-4444-555555555555", PublisherID: "p", EventType: "e.x",
		Priority: "INFO", Payload: json.RawMessage(`{"b": 2, "a": 1.50}`), Timestamp: "2024-01-01 00:00:00.000000",
		Context: map[string]any{"user": "bob", "roles": []any{"admin"}}, ContextKeys: []string{"user", "roles"},
	}
}

func encodeIn(t *testing.T, m *oslo.OsloMessage, o oslo.EncodeOptions) transport.Message {
	t.Helper()
	msg, err := oslo.EncodeNotification(m, o)
	require.NoError(t, err)
	return msg
}

// layoutOf is the layout msg's body has, as the listener's decode finds
// it (Notification.Dialect).
func layoutOf(t *testing.T, msg transport.Message) transport.Dialect {
	t.Helper()
	m, err := oslo.DecodeNotification(msg)
	require.NoError(t, err)
	return m.Dialect
}

var fwdSource = transport.Source{Target: target.Target{Exchange: "openstack", Topic: "notifications"}, Priority: transport.Info}

// Where the layouts match, the forward sends the original; where they
// differ it re-encodes, the same bytes on every attempt.
func TestReencodeFor(t *testing.T) {
	amqp := fwdMessage()
	amqp.UniqueID = "635b8654863a44459f5f24507eee7e62"
	rabbitBody := encodeIn(t, amqp, oslo.EncodeOptions{})
	rabbitGzip := encodeIn(t, amqp, oslo.EncodeOptions{Compression: "gzip"})
	kafkaBody := encodeIn(t, fwdMessage(), oslo.EncodeOptions{Dialect: transport.DialectKafka})

	t.Run("same layout: byte for byte", func(t *testing.T) {
		for _, tc := range []struct {
			msg  transport.Message
			dest transport.Dialect
		}{{rabbitBody, transport.DialectAMQP}, {rabbitGzip, transport.DialectAMQP}, {kafkaBody, transport.DialectKafka}} {
			tc.msg.ID = "original-id"
			out, err := reencodeFor(tc.msg, fwdSource, layoutOf(t, tc.msg), tc.dest)
			require.NoError(t, err)
			assert.Equal(t, tc.msg, out)
		}
	})

	t.Run("amqp to kafka", func(t *testing.T) {
		want := encodeIn(t, fwdMessage(), oslo.EncodeOptions{Dialect: transport.DialectKafka})
		for _, in := range []transport.Message{rabbitBody, rabbitGzip} {
			out, err := reencodeFor(in, fwdSource, layoutOf(t, in), transport.DialectKafka)
			require.NoError(t, err)
			assert.Equal(t, string(want.Body), string(out.Body), "what oslo's kafka notifier would have written")
			assert.Nil(t, out.Header, "no compression header on kafka")
			assert.Equal(t, amqp.MessageID, out.ID)
		}
	})

	t.Run("kafka to amqp", func(t *testing.T) {
		out, err := reencodeFor(kafkaBody, fwdSource, layoutOf(t, kafkaBody), transport.DialectAMQP)
		require.NoError(t, err)
		m, err := oslo.DecodeNotification(out)
		require.NoError(t, err)
		assert.Equal(t, transport.DialectAMQP, m.Dialect)
		assert.Regexp(t, `^[0-9a-f]{32}$`, m.UniqueID)
		assert.Equal(t, m.UniqueID, out.ID)
		assert.Equal(t, []string{"user", "roles"}, m.ContextKeys)
		assert.Equal(t, fwdMessage().Context, m.Context)
		assert.Equal(t, `{"b": 2, "a": 1.50}`, string(m.Payload))
		assert.Contains(t, string(out.Body), `\"_context_user\": \"bob\", \"_context_roles\": [\"admin\"]}`)

		again, err := reencodeFor(kafkaBody, fwdSource, layoutOf(t, kafkaBody), transport.DialectAMQP)
		require.NoError(t, err)
		assert.Equal(t, out, again, "a retried forward sends the same _unique_id")
		other := fwdSource
		other.Target.Topic = "audit"
		fromAudit, err := reencodeFor(kafkaBody, other, layoutOf(t, kafkaBody), transport.DialectAMQP)
		require.NoError(t, err)
		assert.NotEqual(t, out.ID, fromAudit.ID, "the copy from another topic is another message")
	})
}

// A forward from the memory transport (AMQP dialect) to a kafka-dialect
// destination delivers what oslo's kafka listener reads; one the other way
// delivers flattened keys; the handler sees the same notification.
func TestForwardAcrossDialects(t *testing.T) {
	ctx := testCtx(t)
	tr, err := transport.Open(ctx, "memory:///fwd-dialect-test")
	require.NoError(t, err)
	defer tr.Close()
	kafka := kafkaDialect{tr}

	got := make(chan *dispatcher.Notification, 2)
	dst, err := notify.NewListener(tr, []target.Target{{Topic: "tokafka"}, {Topic: "toamqp"}}, []any{recorder(got)})
	require.NoError(t, err)
	require.NoError(t, dst.Start(ctx))
	defer func() { dst.Stop(); _ = dst.Wait(ctx) }()

	open := func(_ context.Context, url string, _ *zap.Logger) (transport.Transport, error) {
		if url == "kafka://dest" {
			return kafka, nil
		}
		return tr, nil
	}
	s, err := Build([]config.Endpoint{
		{Name: "tokafka", Type: "forward", Filter: dispatcher.FilterSpec{EventType: "^amqp"},
			Forward: &config.ForwardOptions{Topic: "tokafka", TransportURL: "kafka://dest", Timeout: config.Duration(5 * time.Second)}},
		{Name: "toamqp", Type: "forward", Filter: dispatcher.FilterSpec{EventType: "^kafka"},
			Forward: &config.ForwardOptions{Topic: "toamqp", TransportURL: "memory:///other", Timeout: config.Duration(5 * time.Second)}},
	}, false, Deps{Transport: tr, OpenTransport: open})
	require.NoError(t, err)
	defer s.Close()
	src, err := notify.NewListener(tr, []target.Target{{Topic: "orig"}}, s.Endpoints())
	require.NoError(t, err)
	require.NoError(t, src.Start(ctx))
	defer func() { src.Stop(); _ = src.Wait(ctx) }()

	fromAMQP := fwdMessage()
	fromAMQP.EventType, fromAMQP.UniqueID = "amqp.x", "635b8654863a44459f5f24507eee7e62"
	fromKafka := fwdMessage()
	fromKafka.EventType, fromKafka.MessageID = "kafka.x", "21111111-2222-3333-4444-555555555555"
	require.NoError(t, tr.Send(ctx, target.Target{Topic: "orig"}, transport.Info, encodeIn(t, fromAMQP, oslo.EncodeOptions{Compression: "xz"})))
	require.NoError(t, tr.Send(ctx, target.Target{Topic: "orig"}, transport.Info, encodeIn(t, fromKafka, oslo.EncodeOptions{Dialect: transport.DialectKafka})))

	for range 2 {
		select {
		case n := <-got:
			m, err := oslo.DecodeNotification(n.Raw())
			require.NoError(t, err)
			switch n.EventType {
			case "amqp.x":
				assert.Equal(t, "tokafka", n.Source().Target.Topic)
				assert.Equal(t, transport.DialectKafka, m.Dialect, "the nested context oslo's kafka listener reads")
				assert.Empty(t, n.Raw().Header)
				fromAMQP.UniqueID = ""
				assert.Equal(t, string(encodeIn(t, fromAMQP, oslo.EncodeOptions{Dialect: transport.DialectKafka}).Body), string(n.Raw().Body))
			case "kafka.x":
				assert.Equal(t, "toamqp", n.Source().Target.Topic)
				assert.Equal(t, transport.DialectAMQP, m.Dialect, "the flattened context oslo's rabbit listener reads")
				assert.NotEmpty(t, m.UniqueID)
			default:
				t.Fatalf("unexpected %s", n.EventType)
			}
			assert.Equal(t, fwdMessage().Context, n.Context)
			assert.JSONEq(t, `{"b": 2, "a": 1.50}`, string(n.Payload))
		case <-ctx.Done():
			t.Fatal("a forwarded notification never arrived")
		}
	}
}
