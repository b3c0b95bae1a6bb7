package main

import (
	"errors"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	hnats "github.com/harkmq/hark/transport/nats"
)

// privatePool is the pool a running tail names on stderr.
var privatePool = regexp.MustCompile(`in private pool (` + privatePoolPrefix + `[0-9a-f]+)`)

// startTail runs hark tail on b as a subprocess and returns it with the
// name of its private pool, once it listens.
func startTail(t *testing.T, b *broker) (*process, string) {
	t.Helper()
	p := startProcess(t, append([]string{"tail"}, b.flags()...)...)
	p.waitStderr(t, "Ctrl-C to stop")
	m := privatePool.FindStringSubmatch(p.stderr.String())
	require.NotNil(t, m, p.stderr.String())
	return p, m[1]
}

// TestTail_killed_leaves_nothing_behind: a tail ended by SIGHUP (its
// terminal closed) removes its private pool on the way out, as for
// SIGTERM; one killed with SIGKILL leaves a pool the broker removes by
// itself (RabbitMQ: an auto-delete queue, gone with the connection;
// JetStream: a consumer with a 30s inactive threshold).
func TestTail_killed_leaves_nothing_behind(t *testing.T) {
	t.Run("nats", func(t *testing.T) {
		b := newBroker(t, "nats")
		n := hark(t, testutil.Within(t, 10*time.Second), "", append([]string{"notify"}, b.flags()...)...)
		require.Equal(t, exitOK, n.code, n.err) // makes the stream
		js, err := jetstream.New(natsConn(t, b.tr))
		require.NoError(t, err)
		ctx := testutil.Within(t, 120*time.Second)
		stream, err := js.Stream(ctx, hnats.StreamName(b.exchange))
		require.NoError(t, err)
		poolConsumers := func(pool string) []*jetstream.ConsumerInfo {
			var out []*jetstream.ConsumerInfo
			l := stream.ListConsumers(ctx)
			for ci := range l.Info() {
				if ci.Config.Metadata["hark.group"] != "" && regexp.MustCompile(`\b`+pool+`\b`).MatchString(ci.Config.Description) {
					out = append(out, ci)
				}
			}
			require.NoError(t, l.Err())
			return out
		}

		p, pool := startTail(t, b)
		cs := poolConsumers(pool)
		require.Len(t, cs, 1, "the private pool's consumer")
		assert.Equal(t, hnats.DefaultTransientInactiveThreshold, cs[0].Config.InactiveThreshold)
		assert.Equal(t, exitOK, p.signal(t, syscall.SIGHUP), p.stderr.String())
		assert.Empty(t, poolConsumers(pool), "SIGHUP: the tail removed its consumer on the way out")

		p, pool = startTail(t, b)
		p.signal(t, syscall.SIGKILL)
		cs = poolConsumers(pool)
		require.Len(t, cs, 1, "SIGKILL: nothing could remove the consumer yet")
		assert.Equal(t, hnats.DefaultTransientInactiveThreshold, cs[0].Config.InactiveThreshold, "the server removes it by itself")
		if testing.Short() {
			return
		}
		require.Eventually(t, func() bool { return len(poolConsumers(pool)) == 0 },
			hnats.DefaultTransientInactiveThreshold+30*time.Second, 500*time.Millisecond, "the server removed the consumer")
	})
	t.Run("kafka", func(t *testing.T) {
		b := newBroker(t, "kafka")
		groups := func(pool string) []string {
			var out []string
			for _, s := range kafkaState(t, b.url) {
				if strings.HasPrefix(s, "group "+pool) {
					out = append(out, s)
				}
			}
			return out
		}
		p, pool := startTail(t, b)
		require.Len(t, groups(pool), 1, "the private pool's group")
		assert.Equal(t, exitOK, p.signal(t, syscall.SIGHUP), p.stderr.String())
		assert.Empty(t, groups(pool), "SIGHUP: the tail deleted its group on the way out")
	})
	t.Run("rabbit", func(t *testing.T) {
		b := newBroker(t, "rabbit")
		queueExists := func(q string) bool { return len(rabbitExists(t, b.url, "queue", q)) == 1 }

		p, pool := startTail(t, b)
		t.Cleanup(func() { deleteQueue(t, b.url, pool) })
		require.True(t, queueExists(pool), "the private pool's queue")
		assert.Equal(t, exitOK, p.signal(t, syscall.SIGHUP), p.stderr.String())
		assert.False(t, queueExists(pool), "SIGHUP: the queue went with the tail")

		p, pool = startTail(t, b)
		t.Cleanup(func() { deleteQueue(t, b.url, pool) })
		p.signal(t, syscall.SIGKILL)
		require.Eventually(t, func() bool { return !queueExists(pool) }, 20*time.Second, 50*time.Millisecond,
			"SIGKILL: RabbitMQ deleted the auto-delete queue when the connection went")
	})
}

// deleteQueue deletes queue, if it is left.
func deleteQueue(t *testing.T, url, queue string) {
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err == nil {
		_, err = ch.QueueDelete(queue, false, false, false)
	}
	var ae *amqp.Error
	if err != nil && !(errors.As(err, &ae) && ae.Code == amqp.NotFound) {
		t.Logf("cleanup: delete queue %s: %v", queue, err)
	}
}

// TestBench_hangup_removes_what_it_declared: a bench ended by SIGHUP
// removes its exchange's stream on the way out, as for SIGTERM.
func TestBench_hangup_removes_what_it_declared(t *testing.T) {
	b := newBroker(t, "nats")
	js, err := jetstream.New(natsConn(t, b.tr))
	require.NoError(t, err)
	ctx := testutil.Within(t, 60*time.Second)
	streams := func() []string {
		var out []string
		l := js.StreamNames(ctx)
		for n := range l.Name() {
			out = append(out, n)
		}
		require.NoError(t, l.Err())
		return out
	}
	p := startProcess(t, "bench", "steady", "--url", b.url, "--rate", "100", "--duration", "60s")
	p.waitStderr(t, "steady:")
	require.NotEmpty(t, streams(), "the bench's stream")
	assert.Equal(t, exitInterrupted, p.signal(t, syscall.SIGHUP), p.stderr.String())
	assert.Empty(t, streams(), "the bench removed its stream")
}
