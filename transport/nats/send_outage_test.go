package nats_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
)

// These tests send through a notify.Notifier at its defaults (retry until
// the context ends; t.Context(), which lasts the whole test) while the
// server goes away, and check that every call returns nil and the stream
// stores every notification exactly once: retries carry the same message
// ID, which the stream de-duplicates. Only the attempt timeout is shortened, to keep
// the tests short; the defaults' figures are in BENCHMARKS.md.

const outageAttemptTimeout = time.Second

// sendDuring sends n notifications from 4 goroutines through a notifier
// on url, calling disrupt once a third of them are sent, and returns the
// calls' errors and how many attempts were retried.
func sendDuring(t *testing.T, url, exchange string, n int, disrupt func()) ([]error, int) {
	t.Helper()
	u, err := transport.ParseURL(url)
	require.NoError(t, err)
	tr, err := hnats.Open(t.Context(), u, transport.Options{Logger: testLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	core, logs := observer.New(zap.WarnLevel)
	nt, err := notify.NewNotifier(tr, notify.WithExchange(exchange), notify.WithTopics("events"),
		notify.WithAttemptTimeout(outageAttemptTimeout), notify.WithNotifierLogger(zap.New(core)))
	require.NoError(t, err)

	var (
		next, done atomic.Int64
		mu         sync.Mutex
		errs       []error
		wg         sync.WaitGroup
		once       sync.Once
	)
	for range 4 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if err := nt.Info(t.Context(), nil, "outage.test", map[string]int64{"i": i}); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				if done.Add(1) == int64(n/3) {
					once.Do(func() { go disrupt() })
				}
				time.Sleep(2 * time.Millisecond) // pacing: the batch spans the outage
			}
		})
	}
	wg.Wait()
	return errs, logs.FilterMessage("sending notification failed; retrying").Len()
}

// storedOnce checks that exchange's stream holds exactly n messages.
func storedOnce(t *testing.T, url, exchange string, n int) {
	t.Helper()
	u, err := transport.ParseURL(url)
	require.NoError(t, err)
	nc, err := hnats.Dial(t.Context(), u)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	s, err := js.Stream(testutil.Within(t, waitFor), hnats.StreamName(exchange))
	require.NoError(t, err)
	assert.Equal(t, uint64(n), s.CachedInfo().State.Msgs, "every notification stored, none twice")
}

// TestSendRidesOutServerRestart: the (embedded) server is shut down mid
// batch and started again 2s later on the same store and port.
func TestSendRidesOutServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a server")
	}
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	srv := startListeningServer(t, addr, dir)
	url := srv.ClientURL()
	const n = 300
	var restarted atomic.Bool
	errs, retried := sendDuring(t, url, "restartx", n, func() {
		require.NoError(t, srv.Shutdown(t.Context()))
		time.Sleep(2 * time.Second) // the outage
		srv = startListeningServer(t, addr, dir)
		restarted.Store(true)
	})
	require.True(t, restarted.Load(), "the server was restarted during the batch")
	assert.Empty(t, errs, "no send reported failed")
	t.Logf("%d attempts retried", retried)
	storedOnce(t, url, "restartx", n)
}

// TestSendRidesOutServerFreeze: a nats-server process is stopped
// (SIGSTOP) for longer than the attempt timeout, then continued: the
// attempts that waited on it time out and are retried, and nothing is
// stored twice.
func TestSendRidesOutServerFreeze(t *testing.T) {
	if testing.Short() {
		t.Skip("freezes a server process")
	}
	c := startServerProcess(t)
	url := c.URL("")
	const n = 300
	errs, retried := sendDuring(t, url, "freezex", n, func() {
		cmd := c.node(t, "n1").running()
		require.NotNil(t, cmd)
		require.NoError(t, cmd.Process.Signal(syscall.SIGSTOP))
		time.Sleep(3 * outageAttemptTimeout) // frozen, longer than an attempt
		require.NoError(t, cmd.Process.Signal(syscall.SIGCONT))
	})
	assert.Empty(t, errs, "no send reported failed")
	assert.Positive(t, retried, "attempts timed out while the server was frozen, and were retried")
	storedOnce(t, url, "freezex", n)
}

// startServerProcess starts one nats-server process with JetStream (not
// clustered), as startProcessCluster starts its servers, stopped at
// cleanup.
func startServerProcess(t *testing.T) *processCluster {
	t.Helper()
	c := &processCluster{bin: os.Getenv(serverBinEnv)}
	nd := &processNode{name: "n1", dir: t.TempDir(), clientPort: freePorts(t, 1)[0]}
	c.nodes = []*processNode{nd}
	conf := fmt.Sprintf("server_name: n1\nlisten: 127.0.0.1:%d\njetstream {\n  store_dir: %q\n}\n", nd.clientPort, filepath.Join(nd.dir, "store"))
	require.NoError(t, os.WriteFile(filepath.Join(nd.dir, "server.conf"), []byte(conf), 0o600))
	t.Cleanup(c.stopAll)
	require.NoError(t, c.start(nd))
	require.NoError(t, nd.waitListening(clusterWait))
	return c
}
