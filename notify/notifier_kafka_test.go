package notify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// kafkaDialectTransport is a fakeTransport whose peers use oslo's kafka
// layout, as the kafka transport reports.
type kafkaDialectTransport struct{ fakeTransport }

func (*kafkaDialectTransport) Dialect() transport.Dialect { return transport.DialectKafka }

// On a kafka transport the notifier writes what oslo's kafka driver
// writes: the context nested last in its given order, no _unique_id, the
// envelope even for the v1 messaging driver, and the message_id as the id
// of every topic's copy and of every retry.
func TestMessagingNotifier_kafkaDialect(t *testing.T) {
	for _, drv := range []string{notify.DriverMessaging, notify.DriverMessagingV2} {
		t.Run(drv, func(t *testing.T) {
			tr := &kafkaDialectTransport{fakeTransport{fail: failFirst(1)}}
			n := newNotifier(t, tr, notify.WithDriverNames(drv), notify.WithTopics("notifications", "audit"),
				notify.WithPublisherID("compute.host1"), fastRetry)
			nctx := notify.Context{"user": "bob", "request_id": "req-1", "roles": []any{"admin"}}
			require.NoError(t, n.Notify(t.Context(), transport.Info, nctx, "compute.instance.create.end", map[string]any{"a": 1},
				notify.WithContextKeys("request_id", "user", "roles")))

			sent := tr.Sent()
			require.Len(t, sent, 2)
			attempts := tr.Attempts()
			require.Len(t, attempts, 3, "the first send failed once")
			assert.Equal(t, attempts[0], attempts[1], "the retry resends the same record")

			var msgID string
			for i, s := range sent {
				assert.Equal(t, []string{"notifications", "audit"}[i], s.Target.Topic)
				assert.Nil(t, s.Msg.Header, "oslo's kafka records have no headers")
				m, err := oslo.DecodeNotification(s.Msg)
				require.NoError(t, err)
				assert.Equal(t, transport.DialectKafka, m.Dialect)
				assert.Equal(t, 2, m.Version, "oslo's kafka driver envelopes every version")
				assert.Empty(t, m.UniqueID)
				assert.Equal(t, m.MessageID, s.Msg.ID, "the message_id is the id")
				if i == 0 {
					msgID = m.MessageID
				}
				assert.Equal(t, msgID, m.MessageID, "one message_id per call, in every topic")
				assert.Equal(t, []string{"request_id", "user", "roles"}, m.ContextKeys)
				assert.Equal(t, nctx, notify.Context(m.Context))
				assert.Contains(t, string(s.Msg.Body), `\"timestamp\": \"`)
				assert.Contains(t, string(s.Msg.Body), `\"_context\": {\"request_id\": \"req-1\", \"user\": \"bob\", \"roles\": [\"admin\"]}}"}`)
				assert.NotContains(t, string(s.Msg.Body), "_unique_id")
			}
		})
	}
}

// kombu compression is refused on a kafka transport: oslo's kafka
// listeners would not read the body.
func TestMessagingNotifier_kafkaRefusesCompression(t *testing.T) {
	tr := &kafkaDialectTransport{}
	n, err := notify.NewNotifier(tr, notify.WithCompression("gzip"))
	if err == nil {
		err = n.Info(t.Context(), nil, "e", nil)
	}
	require.ErrorIs(t, err, transport.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "compression_codec")
	assert.Empty(t, tr.Attempts())
}

// sendKafka sends one notification in oslo's kafka layout (no
// _unique_id) to each of tgts, the same record to each.
func sendKafka(t *testing.T, tr transport.Transport, ctxt map[string]any, keys []string, tgts ...target.Target) string {
	t.Helper()
	m := &oslo.OsloMessage{
		MessageID: oslo.NewMessageID(), PublisherID: "p", EventType: "e", Priority: "INFO",
		Payload: []byte(`{"n": 1}`), Timestamp: "2026-12-04 08:00:00", Context: ctxt, ContextKeys: keys,
	}
	msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Dialect: transport.DialectKafka})
	require.NoError(t, err)
	for _, tgt := range tgts {
		require.NoError(t, tr.Send(t.Context(), tgt, transport.Info, msg))
	}
	return m.MessageID
}

// A kafka-layout notification (no _unique_id) reaches handlers with its
// nested context; its copies in two topics are two notifications, while
// a redelivery of one (same message_id, same topic) is a duplicate.
func TestListener_kafkaLayout(t *testing.T) {
	tr := &flakyTransport{Transport: newTransport(t)}
	other := target.Target{Exchange: topic.Exchange, Topic: topic.Topic + "_audit"}
	ep, ev := &recorder{}, &events{}
	l, err := notify.NewListener(tr, []target.Target{topic, other}, []any{ep}, notify.WithObserver(ev.add))
	require.NoError(t, err)
	start(t, l)

	ctxt := map[string]any{"user": "bob", "msg_id": "kept: oslo's kafka listener rewrites nothing"}
	id := sendKafka(t, tr, ctxt, []string{"user", "msg_id"}, topic, other)
	eventually(t, func() bool { return ep.count() == 2 }, "both topics' copies dispatched")
	for _, c := range ep.calls() {
		assert.Equal(t, id, c.MessageID)
		assert.Equal(t, ctxt, c.Context)
	}

	tr.failAcks.Store(1)
	sendKafka(t, tr, nil, nil, topic)
	eventually(t, func() bool { return ev.count(notify.EventDuplicate) == 1 }, "the redelivery after the lost acknowledgement is a duplicate")
	quiet(t, func() bool { return ep.count() > 3 }, "dispatched once")
	assert.Equal(t, 3, ep.count())
}
