package nats_test

import (
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats" // also registers nats://
	"github.com/harkmq/hark/transport/transporttest"
)

// These tests pin down what nats-server itself does where the driver's
// design depends on it, and how the driver copes.

// TestServerAcceptsLateAck measures nats-server: an ack sent after
// AckWait ran out is still accepted while the message is pending (the
// server does not compare delivery counts), and cancels the redelivery.
// That is why the driver refuses a late settle itself (ErrLeaseExpired)
// instead of sending it: the ack would land, and another member may
// already be handling the message.
func TestServerAcceptsLateAck(t *testing.T) {
	srv := startServer(t)
	nc, err := srv.Connect()
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx := testutil.Within(t, waitFor)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "LATE", Subjects: []string{"late"}})
	require.NoError(t, err)
	c, err := js.CreateConsumer(ctx, "LATE", jetstream.ConsumerConfig{Durable: "c", AckWait: 500 * time.Millisecond, AckPolicy: jetstream.AckExplicitPolicy})
	require.NoError(t, err)
	_, err = js.Publish(ctx, "late", []byte("x"))
	require.NoError(t, err)
	m, err := c.Next()
	require.NoError(t, err)
	time.Sleep(time.Second) // pacing: AckWait is over, the message awaits redelivery
	require.NoError(t, m.DoubleAck(ctx), "the server confirms a late ack")
	_, err = c.Next(jetstream.FetchMaxWait(time.Second))
	assert.ErrorIs(t, err, natsgo.ErrTimeout, "and the redelivery is gone")
}

// TestConsumerDeletedIsRecreated: a listener whose consumer is deleted
// (an operator, a server that lost its store) makes it again and goes on.
func TestConsumerDeletedIsRecreated(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "delx", Topic: "notifications"}
	l := listen(t, tr, infoConfig(tg, "p"))
	nc, err := srv.Connect()
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx := testutil.Within(t, waitFor)
	stream, err := js.Stream(ctx, "HARK_delx")
	require.NoError(t, err)
	var name string
	names := stream.ConsumerNames(ctx)
	for n := range names.Name() {
		if strings.HasPrefix(n, "pool_p_") {
			name = n
		}
	}
	require.NoError(t, names.Err())
	require.NotEmpty(t, name)
	require.NoError(t, js.DeleteConsumer(ctx, "HARK_delx", name))
	require.Eventually(t, func() bool {
		_, err := js.Consumer(ctx, "HARK_delx", name)
		return err == nil
	}, waitFor, 20*time.Millisecond, "the listener made its consumer again")
	transporttest.SendN(t, tr, tg, transport.Info, "del", 3)
	transporttest.Collect(t, l, 3, waitFor)
}

// TestOpenByURL opens the driver through the registry, over TCP.
func TestOpenByURL(t *testing.T) {
	srv := startListeningServer(t, "127.0.0.1:0", t.TempDir())
	tr, err := transport.Open(t.Context(), srv.ClientURL()+"?name=test&ack_wait=10s", transport.WithDefaultExchange("nova"))
	require.NoError(t, err)
	defer tr.Close()
	assert.Equal(t, "nova", tr.DefaultExchange())
	assert.Equal(t, transport.Capabilities{Requeue: true, DelayedRequeue: true, Durable: true, Pools: true,
		Ordering: true, Lease: true, DeadLetter: true, Backlog: true, StartPosition: true}, tr.Capabilities())

	_, err = transport.Open(t.Context(), srv.ClientURL()+"?colour=blue")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Contains(t, err.Error(), `unknown option "colour"`)
}

// TestConsumerDeletedResumes: a non-pooled listener whose consumer is
// deleted under it goes on after the last notification it received; it
// does not replay everything the stream retains. (nats-server 2.15 can
// give a consumer made again at once under the same name the stale state
// of the deleted one; the transport notices and makes it again.)
func TestConsumerDeletedResumes(t *testing.T) {
	srv := startServer(t)
	tr := openInProcess(t, srv, "nats://")
	tg := target.Target{Exchange: "resumex", Topic: "notifications"}
	l := listen(t, tr, infoConfig(tg, ""))
	const before = 200
	transporttest.SendN(t, tr, tg, transport.Info, "before", before)
	transporttest.Collect(t, l, before, waitFor)

	js := jsOf(t, srv)
	ctx := testutil.Within(t, waitFor)
	infos := consumerInfos(t, js, "resumex")
	require.Len(t, infos, 1)
	require.NoError(t, js.DeleteConsumer(ctx, hnats.StreamName("resumex"), infos[0].Name))
	require.Eventually(t, func() bool { return len(consumerInfos(t, js, "resumex")) == 1 }, waitFor, 20*time.Millisecond,
		"the listener made its consumer again")
	after := transporttest.SendN(t, tr, tg, transport.Info, "after", 2)
	want := map[string]bool{}
	for _, b := range transporttest.MessageBodies(after) {
		want[b] = true
	}
	again := 0
	for len(want) > 0 {
		d := transporttest.Next(t, l, waitFor)
		require.NoError(t, d.Ack(ctx))
		body := string(d.Message().Body)
		if want[body] {
			delete(want, body)
			continue
		}
		again++
	}
	assert.Less(t, again, 10, "the listener resumed where it was, not from the start of the stream")
	transporttest.AssertNoDelivery(t, 300*time.Millisecond, l)
}
