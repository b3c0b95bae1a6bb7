package main

import (
	"encoding/json"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/cmd/internal/bench"
	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/transport"
)

// kafkaServer starts an in-process kfake cluster (franz-go's fake
// Kafka-protocol broker) on a loopback port for t, and returns its URL
// and a transport open on it.
func kafkaServer(t *testing.T) (string, transport.Transport) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	url := "kafka://" + c.ListenAddrs()[0]
	tr, err := transport.Open(testutil.Within(t, 10*time.Second), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return url, tr
}

// kafkaState lists the topics and consumer groups of the cluster at url,
// as "topic NAME" and "group NAME", sorted.
func kafkaState(t *testing.T, url string) []string {
	t.Helper()
	ctx := testutil.Within(t, 10*time.Second)
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.TrimPrefix(url, "kafka://")))
	require.NoError(t, err)
	defer cl.Close()
	adm := kadm.NewClient(cl)
	topics, err := adm.ListTopics(ctx)
	require.NoError(t, err)
	var out []string
	for _, n := range topics.Names() {
		out = append(out, "topic "+n)
	}
	groups, err := adm.ListGroups(ctx)
	require.NoError(t, err)
	for _, g := range groups.Groups() {
		out = append(out, "group "+g)
	}
	slices.Sort(out)
	return out
}

// benchState is what of state belongs to a bench run (harkbench_*).
func benchState(state []string) []string {
	var out []string
	for _, s := range state {
		if strings.Contains(s, "harkbench_") {
			out = append(out, s)
		}
	}
	return out
}

// TestKafka_notify_tail_and_private_pool_removed: hark notify reaches a
// hark tail on Kafka, and the tail's private pool (a consumer group)
// is deleted when it ends.
func TestKafka_notify_tail_and_private_pool_removed(t *testing.T) {
	url, _ := kafkaServer(t)
	// The topic exists before the tail, as it does where oslo's notifier
	// has been sending.
	n := hark(t, testutil.Within(t, 20*time.Second), "", "notify", "--url", url, "--event-type", "before.tail")
	require.Equal(t, exitOK, n.code, n.err)

	r := start(t, "tail", "--url", url, "--count", "2", "--priority", "info")
	r.waitStderr(t, "Ctrl-C to stop")
	m := privatePool.FindStringSubmatch(r.err.String())
	require.NotNil(t, m, r.err.String())
	pool := m[1]
	poolGroups := func() []string {
		var out []string
		for _, s := range kafkaState(t, url) {
			if strings.HasPrefix(s, "group "+pool) {
				out = append(out, s)
			}
		}
		return out
	}
	assert.Len(t, poolGroups(), 1, "the private pool is a consumer group while the tail runs")

	n = hark(t, testutil.Within(t, 20*time.Second), "", "notify", "--url", url, "--count", "2", "--event-type", "via.cli",
		"--payload", `{"n": 1}`, "--context", `{"request_id": "req-k"}`)
	require.Equal(t, exitOK, n.code, n.err)
	require.Equal(t, exitOK, r.wait(t), r.err.String())
	lines := decodeLines(t, r.out.String())
	require.Len(t, lines, 2, "a new pool starts with new notifications: not the one sent before")
	for _, l := range lines {
		assert.Equal(t, "via.cli", l["event_type"])
		assert.Equal(t, map[string]any{"n": float64(1)}, l["payload"])
		assert.Equal(t, map[string]any{"request_id": "req-k"}, l["context"], "the nested _context reaches the tail")
	}
	assert.Empty(t, poolGroups(), "the private pool's group is deleted when the tail ends")
	assert.NotContains(t, r.err.String(), "could not remove")
}

// TestKafka_bench_drain_leaves_nothing: a bench drain on Kafka runs the
// bare franz-go consumers and hark over every priority, and deletes its
// topics and groups.
func TestKafka_bench_drain_leaves_nothing(t *testing.T) {
	url, _ := kafkaServer(t)
	before := kafkaState(t, url)
	r := hark(t, testutil.Within(t, 2*time.Minute), "", "bench", "drain", "--url", url, "--count", "700", "--mix", "--rounds", "2", "--json", "--quiet")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.err)
	var rep bench.Report
	require.NoError(t, json.Unmarshal([]byte(r.out), &rep))
	assert.Equal(t, bench.KindKafka, rep.Transport)
	require.Len(t, rep.Runs, 3)
	for i, name := range []string{"bare", "bare-envelope", "hark"} {
		assert.Equal(t, name, rep.Runs[i].Name)
		assert.Equal(t, 700, rep.Runs[i].Messages, name)
		assert.Positive(t, rep.Runs[i].MsgPerSec, name)
	}
	assert.Contains(t, rep.Runs[0].Client, "franz-go")
	assert.Empty(t, benchState(kafkaState(t, url)), "no harkbench_ topic or group is left")
	assert.Equal(t, before, kafkaState(t, url))
}

// TestKafka_bench_hangup_removes_what_it_declared: a bench ended by
// SIGHUP deletes its topics and groups on the way out.
func TestKafka_bench_hangup_removes_what_it_declared(t *testing.T) {
	url, _ := kafkaServer(t)
	p := startProcess(t, "bench", "steady", "--url", url, "--rate", "100", "--duration", "60s")
	p.waitStderr(t, "steady:")
	require.NotEmpty(t, benchState(kafkaState(t, url)), "the bench's topics and groups")
	assert.Equal(t, exitInterrupted, p.signal(t, syscall.SIGHUP), p.stderr.String())
	assert.Empty(t, benchState(kafkaState(t, url)), "the bench removed its topics and groups")
}

// TestKafka_dlq_list_and_replay: on Kafka, dlq list shows the dead
// letters a listener made and leaves them there (listing twice shows the
// same records); dlq replay sends each back to its source once, and a
// list afterwards shows only what was dead-lettered again.
func TestKafka_dlq_list_and_replay(t *testing.T) {
	b := newBroker(t, "kafka")
	rj := startRejecter(t, b)
	ctx := testutil.Within(t, 60*time.Second)
	for _, ev := range []string{"compute.a", "compute.b", "compute.c"} {
		n := hark(t, ctx, "", append([]string{"notify", "--event-type", ev}, b.flags()...)...)
		require.Equal(t, exitOK, n.code, n.err)
	}
	require.Eventually(t, func() bool { return rj.total() == 3 }, 10*time.Second, 10*time.Millisecond, "every notification rejected once")

	list := func() []map[string]any {
		r := hark(t, ctx, "", append([]string{"dlq", "list", "--json", "--wait", "1s"}, b.flags()...)...)
		require.Equal(t, exitOK, r.code, r.err)
		return decodeLines(t, r.out)
	}
	first := list()
	require.Len(t, first, 3)
	assert.ElementsMatch(t, []string{"compute.a", "compute.b", "compute.c"}, eventTypes(first))
	for _, r := range first {
		assert.Equal(t, "rejected", r["reason"])
		assert.Equal(t, map[string]any{"exchange": b.exchange, "topic": b.topic, "priority": "info", "pool": rejecterPool}, r["source"])
	}
	assert.ElementsMatch(t, eventTypes(first), eventTypes(list()), "listing leaves the records in place")

	r := hark(t, ctx, "", append([]string{"dlq", "replay", "--wait", "1s"}, b.flags()...)...)
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.err, "replayed 3 dead letters")
	require.Eventually(t, func() bool { return rj.total() == 6 }, 10*time.Second, 10*time.Millisecond, "each replayed once to the rejecter")
	for id, c := range rj.snapshot() {
		assert.Equal(t, 2, c, "deliveries of %s", id)
	}
	assert.Len(t, list(), 3, "the three dead-lettered again, and not the replayed ones")
}
