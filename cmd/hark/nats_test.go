package main

import (
	"context"
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
	hnats "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/nats/embedded"
)

// natsServer runs an embedded NATS server with JetStream on a free
// loopback port, as harkd does, and returns its URL and a transport on it.
func natsServer(t *testing.T) (string, transport.Transport) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a NATS server")
	}
	srv, err := embedded.Start(embedded.Config{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	require.NoError(t, err)
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	tr, err := transport.Open(testutil.Within(t, 10*time.Second), srv.ClientURL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return srv.ClientURL(), tr
}

// consumers lists the descriptions of the consumers of the stream of
// exchange openstack.
func consumers(t *testing.T, url string) []string {
	t.Helper()
	ctx := testutil.Within(t, 5*time.Second)
	tr, err := transport.Open(ctx, url)
	require.NoError(t, err)
	defer tr.Close()
	js, err := jetstream.New(natsConn(t, tr))
	require.NoError(t, err)
	s, err := js.Stream(ctx, "HARK_openstack")
	require.NoError(t, err)
	var out []string
	l := s.ListConsumers(ctx)
	for ci := range l.Info() {
		out = append(out, ci.Config.Description)
	}
	require.NoError(t, l.Err())
	return out
}

func TestNATS_notify_tail_and_private_pool_removed(t *testing.T) {
	url, tr := natsServer(t)
	send(t, tr, transport.Info, "first", nil) // makes the stream and the non-pooled backlog consumer
	before := consumers(t, url)

	r := start(t, "tail", "--url", url, "--count", "2", "--priority", "info")
	r.waitStderr(t, "listening")
	private := consumers(t, url)
	assert.Len(t, private, len(before)+1, "the private pool has a consumer while the tail runs: %v", private)

	n := hark(t, testutil.Within(t, 10*time.Second), "", "notify", "--url", url, "--count", "2", "--event-type", "via.cli")
	require.Equal(t, exitOK, n.code, n.err)
	require.Equal(t, exitOK, r.wait(t), r.err.String())
	lines := decodeLines(t, r.out.String())
	require.Len(t, lines, 2)
	assert.Equal(t, "via.cli", lines[0]["event_type"])

	assert.ElementsMatch(t, before, consumers(t, url), "the private pool's consumers are deleted when the tail ends")
	assert.NotContains(t, r.err.String(), "could not remove")
}

func TestNATS_dlq_replay_within_the_duplicate_window(t *testing.T) {
	url, tr := natsServer(t)
	ctx := testutil.Within(t, 30*time.Second)
	l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{{Topic: "notifications"}}, Priorities: []transport.Priority{transport.Info}, Pool: "billing"})
	require.NoError(t, err)
	defer l.Close()
	send(t, tr, transport.Info, "compute.one", map[string]any{"k": "v"})
	d, err := l.Next(ctx)
	require.NoError(t, err)
	orig := d.Message()
	require.NoError(t, d.DeadLetter(ctx, transport.DeadLetterInfo{Reason: transport.ReasonRejected, LastError: "HTTP 400"}))

	// --priority info: a listener on all seven subjects with a large
	// prefetch can leave some subjects without a pull request for up to
	// 30s (the driver's slot budget; reported). This test is about the
	// duplicate window.
	r := hark(t, ctx, "", "dlq", "list", "--url", url, "--json", "--wait", "500ms", "--priority", "info")
	require.Equal(t, exitOK, r.code, r.err)
	recs := decodeLines(t, r.out)
	require.Len(t, recs, 1)
	assert.Equal(t, "rejected", recs[0]["reason"])

	r = hark(t, ctx, "", "dlq", "replay", "--url", url, "--wait", "500ms", "--priority", "info")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Contains(t, r.err, "replayed 1 dead letter ")

	// Seconds after the original: the duplicate window would drop a
	// re-send under the original id.
	d, err = l.Next(ctx)
	require.NoError(t, err, "the replay arrives")
	assert.Equal(t, orig.Body, d.Message().Body)
	assert.Equal(t, orig.Header, d.Message().Header)
	assert.True(t, strings.HasPrefix(d.Message().ID, orig.ID+replaySuffix))
	require.NoError(t, d.Ack(ctx))

	r = hark(t, ctx, "", "dlq", "list", "--url", url, "--json", "--wait", "500ms", "--priority", "info")
	require.Equal(t, exitOK, r.code, r.err)
	assert.Empty(t, r.out, "the replayed record is gone")
}

// natsConn returns the connection of a NATS transport.
func natsConn(t *testing.T, tr transport.Transport) *natsgo.Conn {
	t.Helper()
	nt, ok := tr.(*hnats.Transport)
	require.True(t, ok, "a NATS transport, got %T", tr)
	return nt.Conn()
}
