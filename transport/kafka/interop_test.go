package kafka_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// probe: oslo Notifier -> kfake, read back with a bare franz-go consumer.
func TestInteropProbe_osloNotifierToKfake(t *testing.T) {
	py := osloPython(t)
	b := newBroker(t)
	b.createTopics(t, 3, "notifications.info", "notifications.error")
	p := startPy(t, py, "oslo_notify.py", "--url", b.url())
	const n = 20
	for i := range n {
		prio := []string{"info", "error"}[i%2]
		line := fmt.Sprintf(`{"priority": %q, "event_type": "e.%d", "publisher_id": "pub", "ctxt": {"user_id": "u%d", "request_id": "req-%d"}, "payload": {"i": %d}}`+"\n", prio, i, i, i, i)
		_, err := p.stdin.Write([]byte(line))
		require.NoError(t, err)
	}
	require.NoError(t, p.stop(t), p.stderr())
	recs, err := consumeAll(testutil.Within(t, interopWait), b.addr, n, "notifications.info", "notifications.error")
	require.NoError(t, err)
	require.Len(t, recs, n)
	for _, r := range recs {
		assert.Nil(t, r.Key)
		assert.Empty(t, r.Headers)
		m, err := oslo.DecodeNotification(transport.Message{Body: r.Value})
		require.NoError(t, err)
		assert.Equal(t, transport.DialectKafka, m.Dialect)
		assert.True(t, strings.HasPrefix(r.Topic, "notifications."))
		var pl map[string]any
		require.NoError(t, json.Unmarshal(m.Payload, &pl))
	}
	t.Logf("stderr: %s", p.stderr())
}

// probe: franz-go producing hark's kafka encoding -> oslo listener.
func TestInteropProbe_kfakeToOsloListener(t *testing.T) {
	py := osloPython(t)
	b := newBroker(t)
	topics := []string{"notifications.audit", "notifications.debug", "notifications.info", "notifications.warn", "notifications.error", "notifications.critical", "notifications.sample"}
	b.createTopics(t, 2, topics...)
	b.startGroupAtZero(t, "oslo_messaging_consumer", 2, topics...)
	p := startPy(t, py, "oslo_listen.py", "--url", b.url())
	p.next(t, interopWait) // ready
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr))
	require.NoError(t, err)
	defer cl.Close()
	const n = 10
	for i := range n {
		msg, err := oslo.EncodeNotification(&oslo.OsloMessage{MessageID: oslo.NewMessageID(), EventType: "e", Priority: "INFO", Payload: json.RawMessage(fmt.Sprint(i)), Timestamp: "t", Context: map[string]any{"user": "u"}}, oslo.EncodeOptions{Dialect: transport.DialectKafka})
		require.NoError(t, err)
		require.NoError(t, cl.ProduceSync(t.Context(), &kgo.Record{Topic: "notifications.info", Value: msg.Body}).FirstErr())
	}
	for range n {
		t.Logf("%s", p.next(t, interopWait))
	}
	t.Logf("stderr: %s", p.stderr())
}

// oslo's kafka listener cannot read the AMQP layout: a flattened context
// raises KeyError '_context' in unpack_message, after the batch was
// committed, so the records polled with it are lost to that listener. This
// is why hark's notifier writes the kafka layout on Kafka, and why the
// forward endpoint re-encodes a RabbitMQ or NATS body it bridges to Kafka.
func TestInterop_osloListenerFailsOnFlattenedContext(t *testing.T) {
	py := osloPython(t)
	b := newBroker(t)
	b.createTopics(t, 1, allTopics("notifications")...)
	b.startGroupAtZero(t, "oslo_messaging_consumer", 1, allTopics("notifications")...)
	p := startPy(t, py, "oslo_listen.py", "--url", b.url())
	p.next(t, interopWait) // ready
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr))
	require.NoError(t, err)
	defer cl.Close()
	send := func(d transport.Dialect) {
		msg, err := oslo.EncodeNotification(&oslo.OsloMessage{MessageID: oslo.NewMessageID(), UniqueID: oslo.NewUniqueID(), EventType: "e." + d.String(),
			Priority: "INFO", Payload: json.RawMessage(`{}`), Timestamp: "t", Context: map[string]any{"user": "u"}}, oslo.EncodeOptions{Dialect: d})
		require.NoError(t, err)
		require.NoError(t, cl.ProduceSync(t.Context(), &kgo.Record{Topic: "notifications.info", Value: msg.Body}).FirstErr())
	}
	send(transport.DialectAMQP)
	require.Eventually(t, func() bool { return strings.Contains(p.stderr(), "KeyError: '_context'") }, interopWait, 50*time.Millisecond,
		"oslo's kafka listener fails on the flattened context")
	// The listener survives it: the kafka layout is read.
	send(transport.DialectKafka)
	var got struct {
		EventType string         `json:"event_type"`
		Ctxt      map[string]any `json:"ctxt"`
	}
	require.NoError(t, json.Unmarshal(p.next(t, interopWait), &got))
	assert.Equal(t, "e.kafka", got.EventType)
	assert.Equal(t, map[string]any{"user": "u"}, got.Ctxt)
}
