package main

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/metrics"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
	"github.com/harkmq/hark/transport/oslo"
)

// lostAcks loses the next n acknowledgements the way a dropped
// connection does: the broker redelivers the message and the
// acknowledgement returns an error.
type lostAcks struct {
	transport.Transport
	n atomic.Int32
}

func (t *lostAcks) Listen(ctx context.Context, cfg transport.ListenConfig) (transport.Listener, error) {
	l, err := t.Transport.Listen(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return lostAcksListener{Listener: l, n: &t.n}, nil
}

type lostAcksListener struct {
	transport.Listener
	n *atomic.Int32
}

func (l lostAcksListener) Next(ctx context.Context) (transport.Delivery, error) {
	d, err := l.Listener.Next(ctx)
	if err != nil {
		return nil, err
	}
	return lostAcksDelivery{Delivery: d, n: l.n}, nil
}

type lostAcksDelivery struct {
	transport.Delivery
	n *atomic.Int32
}

func (d lostAcksDelivery) Ack(ctx context.Context) error {
	if d.n.Add(-1) >= 0 {
		_ = d.Delivery.Requeue(ctx, 0)
		return errors.New("connection lost")
	}
	return d.Delivery.Ack(ctx)
}

// scrapeSeries returns the value of the series named exactly series, or
// -1 when it is absent.
func scrapeSeries(t *testing.T, m *metrics.Metrics, series string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			require.NoError(t, err)
			return f
		}
	}
	return -1
}

// TestDedup_duplicates_counted_in_metrics: with harkd's listener and
// metrics, a notification whose acknowledgement was lost is redelivered,
// recognised as a duplicate, acknowledged without reaching the endpoint,
// and counted in hark_notifications_duplicate_total; so is a copy sent
// again. listener.dedup.size 0 turns suppression off, and a window
// shorter than a redelivery takes makes every copy new.
func TestDedup_duplicates_counted_in_metrics(t *testing.T) {
	const (
		handled    = `hark_endpoint_calls_total{endpoint="log",result="handled"}`
		duplicates = `hark_notifications_duplicate_total{priority="info"}`
		inflight   = `hark_inflight`
		received   = `hark_notifications_received_total{priority="info"}`
	)
	for _, tc := range []struct {
		name                   string
		yaml                   string
		wantHandled, wantDupes float64
	}{
		{"default", "", 1, 2},
		{"sized", "listener: {dedup: {size: 10, window: 1m}}\n", 1, 2},
		{"off", "listener: {dedup: {size: 0}}\n", 3, 0},
		{"window gone at once", "listener: {dedup: {window: 1ns}}\n", 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := memory.NewBroker()
			t.Cleanup(func() { _ = b.Close() })
			mt, err := b.Transport()
			require.NoError(t, err)
			t.Cleanup(func() { _ = mt.Close() })
			tr := &lostAcks{Transport: mt}
			tr.n.Store(1)

			path := filepath.Join(t.TempDir(), "harkd.yaml")
			require.NoError(t, os.WriteFile(path, []byte(tc.yaml+"endpoints: [{type: log}]\n"), 0o600))
			cfg, err := config.Load(config.Options{File: path, Overrides: map[string]any{"transport_url": "memory://"}})
			require.NoError(t, err)
			d := &daemon{log: zap.NewNop(), metrics: metrics.New(), tr: tr}
			g, err := d.newGeneration(cfg)
			require.NoError(t, err)
			require.NoError(t, g.start(t.Context()))
			t.Cleanup(func() {
				// Not t.Context(): it is already canceled when cleanups run.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				assert.NoError(t, g.stop(ctx))
				g.close(zap.NewNop())
			})

			m := &oslo.OsloMessage{MessageID: oslo.NewMessageID(), UniqueID: oslo.NewUniqueID(), Priority: "INFO", EventType: "e", Payload: []byte(`1`)}
			msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{})
			require.NoError(t, err)
			dest := target.Target{Exchange: "openstack", Topic: "notifications"}
			require.NoError(t, tr.Send(t.Context(), dest, transport.Info, msg))
			settled := func(n float64) func() bool {
				return func() bool {
					return scrapeSeries(t, d.metrics, received) == n && scrapeSeries(t, d.metrics, inflight) == 0
				}
			}
			// The first acknowledgement is lost: the broker redelivers.
			require.Eventually(t, settled(2), 10*time.Second, 5*time.Millisecond, "the redelivery settled")
			require.NoError(t, tr.Send(t.Context(), dest, transport.Info, msg)) // a copy
			require.Eventually(t, settled(3), 10*time.Second, 5*time.Millisecond, "the copy settled")

			assert.Equal(t, tc.wantHandled, scrapeSeries(t, d.metrics, handled), "endpoint calls")
			assert.Equal(t, tc.wantDupes, max(0, scrapeSeries(t, d.metrics, duplicates)), "duplicates counted")
		})
	}
}
