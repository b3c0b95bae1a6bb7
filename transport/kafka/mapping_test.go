package kafka_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/kafka"
	"github.com/harkmq/hark/transport/oslo"
	"github.com/harkmq/hark/transport/transporttest"
)

// readRaw reads n records of topic from its start with a bare client.
func readRaw(t *testing.T, c *kfake.Cluster, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	ctx := testutil.Within(t, 10*time.Second)
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "read %d of %d records of %s", len(out), n, topic)
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

// TestSendIsOslosRecord: a notification from hark's notifier (ID = the
// body's message_id, no headers) is written as oslo's kafka driver writes
// it: topic "<topic>.<priority>[.<vhost>]", no key, no headers, the body
// byte for byte.
func TestSendIsOslosRecord(t *testing.T) {
	c := startCluster(t)
	for _, vhost := range []string{"", "vh"} {
		tr := openTransport(t, c, "")
		if vhost != "" {
			u := strings.TrimSuffix(clusterURL(c, ""), "/") + "/" + vhost
			var err error
			tr, err = kafka.New(t.Context(), u)
			require.NoError(t, err)
			t.Cleanup(func() { _ = tr.Close() })
		}
		msg, err := oslo.EncodeNotification(&oslo.OsloMessage{MessageID: oslo.NewMessageID(), EventType: "compute.instance.create.end",
			Priority: "INFO", Payload: []byte(`{"a": 1}`), Timestamp: "2026-12-04 08:00:00.000000"}, oslo.EncodeOptions{})
		require.NoError(t, err)
		topic := transporttest.UniqueName("shape")
		require.NoError(t, tr.Send(t.Context(), target.Target{Topic: topic}, transport.Info, msg))
		want := topic + ".info"
		if vhost != "" {
			want += "." + vhost
		}
		r := readRaw(t, c, want, 1)[0]
		assert.Nil(t, r.Key, "no key")
		assert.Empty(t, r.Headers, "no headers")
		assert.Equal(t, msg.Body, r.Value, "the body byte for byte")
	}
}

// TestRequeueRecord: a requeue writes the value byte for byte to the
// group's retry topic with the count so far and where it came from, and
// the listener hands it back with its count.
func TestRequeueRecord(t *testing.T) {
	c := startCluster(t)
	tr := openTransport(t, c, "")
	topic := transporttest.UniqueName("rq")
	tg := target.Target{Topic: topic}
	l, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Error}, Pool: "billing"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	sent := transporttest.NewMessage("rq", 1)
	require.NoError(t, tr.Send(t.Context(), tg, transport.Error, sent))
	ctx := testutil.Within(t, 10*time.Second)
	d, err := l.Next(ctx)
	require.NoError(t, err)
	require.NoError(t, d.Requeue(ctx, 0))

	r := readRaw(t, c, "hark.retry.billing."+topic+".error", 1)[0]
	assert.Equal(t, sent.Body, r.Value)
	h := map[string]string{}
	for _, x := range r.Headers {
		h[x.Key] = string(x.Value)
	}
	assert.Equal(t, "1", h[kafka.HeaderRetryDeliveries])
	assert.Equal(t, topic+".error", h[kafka.HeaderRetryTopic])
	assert.Equal(t, "billing", h[kafka.HeaderRetryGroup])
	assert.Equal(t, sent.ID, h[kafka.HeaderID])
	assert.Equal(t, sent.Header[transporttest.HeaderTest], h[transporttest.HeaderTest])

	again, err := l.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, again.Deliveries())
	assert.Equal(t, sent, again.Message(), "hark's headers are not part of the message")
	assert.Equal(t, transport.Error, again.Source().Priority)
	require.NoError(t, again.Ack(ctx))
}

// TestPassiveCreatesNothing: a passive listener on topics that do not
// exist fails with ErrNotFound and creates none.
func TestPassiveCreatesNothing(t *testing.T) {
	c := startCluster(t)
	tr := openTransport(t, c, "")
	topic := transporttest.UniqueName("passive")
	_, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{{Topic: topic}},
		Priorities: []transport.Priority{transport.Info}, Passive: true})
	require.ErrorIs(t, err, transport.ErrNotFound)
	assert.Nil(t, c.TopicInfo(topic+".info"), "the topic was not created")
}

// TestTransientGroupDeleted: a transient pool's group is gone after
// Close, and it committed nothing.
func TestTransientGroupDeleted(t *testing.T) {
	c := startCluster(t)
	tr := openTransport(t, c, "")
	tg := target.Target{Topic: transporttest.UniqueName("tail")}
	l, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{tg},
		Priorities: []transport.Priority{transport.Info}, Pool: "tail", Transient: true})
	require.NoError(t, err)
	require.NoError(t, tr.Send(t.Context(), tg, transport.Info, transporttest.NewMessage("tail", 0)))
	ctx := testutil.Within(t, 10*time.Second)
	d, err := l.Next(ctx)
	require.NoError(t, err)
	require.NoError(t, d.Ack(ctx))
	require.NoError(t, l.Close())

	adm := kadm.NewClient(mustClient(t, c))
	groups, err := adm.ListGroups(ctx)
	require.NoError(t, err)
	for _, g := range groups.Groups() {
		assert.False(t, strings.HasPrefix(g, "tail-"), "transient group %s left behind", g)
	}
}

// TestBacklog: the backlog is the group's lag: what waits, then less once
// settled offsets are committed.
func TestBacklog(t *testing.T) {
	c := startCluster(t)
	tr := openTransport(t, c, "", kafka.WithConsumerGroup(groupFor(t)))
	tg := target.Target{Exchange: "nova", Topic: transporttest.UniqueName("lag")}
	transporttest.SendN(t, tr, tg, transport.Info, "lag", 10)
	l, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Prefetch: 4})
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	br := l.(transport.BacklogReporter)
	ctx := testutil.Within(t, 10*time.Second)
	backlog := func() int64 {
		bs, err := br.Backlog(ctx)
		require.NoError(t, err)
		require.Len(t, bs, 1)
		assert.Equal(t, "nova", bs[0].Exchange)
		assert.Equal(t, tg.Topic, bs[0].Topic)
		return bs[0].Messages
	}
	assert.Equal(t, int64(10), backlog(), "nothing settled yet")
	for range 6 {
		d, err := l.Next(ctx)
		require.NoError(t, err)
		require.NoError(t, d.Ack(ctx))
	}
	for backlog() != 4 {
		select {
		case <-ctx.Done():
			require.FailNow(t, "backlog stayed at", "%d", backlog())
		case <-time.After(50 * time.Millisecond): // pacing: commits run every 100ms
		}
	}
}

func mustClient(t *testing.T, c *kfake.Cluster) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// TestHealthy: a transport is healthy while its broker answers, and says
// which broker it cannot reach once it is gone.
func TestHealthy(t *testing.T) {
	c := startCluster(t)
	tr := openTransport(t, c, "")
	require.NoError(t, tr.Healthy())
	c.Close()
	ctx := testutil.Within(t, 10*time.Second)
	for tr.Healthy() == nil {
		// A send makes the client dial again.
		sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		_ = tr.Send(sctx, target.Target{Topic: "h"}, transport.Info, transporttest.NewMessage("h", 0))
		cancel()
		require.NoError(t, ctx.Err(), "still healthy with the broker gone")
	}
	assert.Contains(t, tr.Healthy().Error(), "cannot reach")
	require.NoError(t, tr.Close())
	assert.ErrorIs(t, tr.Healthy(), transport.ErrClosed)
}
