package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/bench"
	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/nats/embedded"
)

// harkSide are hark's contenders: the report gives their ratios to the
// others.
var harkSide = map[string]bool{"hark": true, "harkd": true}

// baselines are the bare contenders every run with a baseline has.
var baselines = []string{"bare", "bare-envelope"}

// with returns names after the baselines.
func with(names ...string) []string { return append(slices.Clone(baselines), names...) }

// measure runs cfg and checks what every report must hold: one run per
// contender in order, every notification counted (in the figure or the
// warmup), a positive rate, and the ratio of each of hark's contenders to
// each other contender.
func measure(t *testing.T, cfg bench.Config, contenders ...string) *bench.Report {
	t.Helper()
	var progress bytes.Buffer
	cfg.Progress = &progress
	cfg.Stall = 20 * time.Second
	rep, err := bench.Measure(testutil.Within(t, 2*time.Minute), cfg)
	require.NoError(t, err)
	names := make([]string, len(rep.Runs))
	for i, r := range rep.Runs {
		names[i] = r.Name
		assert.Positive(t, r.MsgPerSec, r.Name)
		assert.Positive(t, r.Seconds, r.Name)
		assert.Len(t, r.RoundsMsgPerSec, rep.Rounds, r.Name)
		assert.Equal(t, rep.Messages*rep.Pools, r.Messages+r.Warmup, "%s handled every notification of every pool", r.Name)
		assert.Positive(t, r.Messages, r.Name)
		assert.NotEmpty(t, r.Client)
		if r.Name == "harkd" {
			require.NotNil(t, r.Process, "harkd's processes are described")
			assert.Equal(t, rep.Pools, r.Process.Processes, "one harkd per pool")
			assert.Positive(t, r.Process.StartupSeconds)
			if runtime.GOOS == "linux" {
				assert.Positive(t, r.Process.PeakRSSBytes, "VmHWM")
			}
		} else {
			assert.Nil(t, r.Process, r.Name)
			assert.Zero(t, r.Warmup, r.Name)
		}
	}
	assert.Equal(t, contenders, names)
	var want []bench.Ratio
	for _, h := range rep.Runs {
		for _, o := range rep.Runs {
			if harkSide[h.Name] && !harkSide[o.Name] {
				want = append(want, bench.Ratio{Of: h.Name, To: o.Name, Value: h.MsgPerSec / o.MsgPerSec})
			}
		}
	}
	require.Len(t, rep.Ratios, len(want))
	for i, ra := range rep.Ratios {
		assert.Equal(t, want[i].Of, ra.Of)
		assert.Equal(t, want[i].To, ra.To)
		assert.InDelta(t, want[i].Value, ra.Value, 1e-9)
	}
	assert.Positive(t, rep.BodyBytes)
	assert.Equal(t, cfg.Mix, rep.Mix)

	var text bytes.Buffer
	require.NoError(t, bench.WriteText(&text, rep))
	for _, c := range contenders {
		assert.Contains(t, text.String(), c)
	}
	for _, ra := range rep.Ratios {
		assert.Contains(t, text.String(), ra.Of+" / "+ra.To+":")
	}
	if cfg.Mix {
		assert.Contains(t, text.String(), "mixed priorities")
	}
	var js bytes.Buffer
	require.NoError(t, bench.WriteJSON(&js, rep))
	var back bench.Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, rep.Runs, back.Runs)
	return rep
}

func checkLatency(t *testing.T, rep *bench.Report) {
	t.Helper()
	for _, r := range rep.Runs {
		l := r.Latency
		require.NotNil(t, l, r.Name)
		assert.Positive(t, l.P50, r.Name)
		assert.LessOrEqual(t, l.P50, l.P90, r.Name)
		assert.LessOrEqual(t, l.P90, l.P99, r.Name)
		assert.LessOrEqual(t, l.P99, l.Max, r.Name)
	}
}

func TestMeasure_memory(t *testing.T) {
	rep := measure(t, bench.Config{Scenario: bench.Drain, URL: "memory://", Messages: 3000, Baseline: true, Rounds: 3}, with("hark")...)
	assert.Equal(t, "memory", rep.Transport)
	assert.Equal(t, 256, rep.Prefetch)

	rep = measure(t, bench.Config{Scenario: bench.Steady, URL: "memory://", Rate: 2000, Duration: 500 * time.Millisecond, Baseline: true}, with("hark")...)
	assert.Equal(t, 1000, rep.Messages)
	checkLatency(t, rep)
	require.NotEmpty(t, rep.Ratios)
	for _, ra := range rep.Ratios {
		assert.Positive(t, ra.P50, "%s / %s", ra.Of, ra.To)
		assert.Positive(t, ra.P99, "%s / %s", ra.Of, ra.To)
	}

	rep = measure(t, bench.Config{Scenario: bench.Fanout, URL: "memory://", Messages: 1000, Pools: 3, Baseline: true}, with("hark")...)
	assert.Equal(t, 3, rep.Pools)

	measure(t, bench.Config{Scenario: bench.Drain, URL: "memory://", Messages: 1000, Batch: 50, Executor: "blocking"}, "hark")
}

// With Mix, every contender consumes all seven priorities: a contender
// that missed one would never count the 10% that are not info, and the
// round would stall instead of finishing.
func TestMeasure_memory_mix(t *testing.T) {
	measure(t, bench.Config{Scenario: bench.Drain, URL: "memory://", Messages: 3000, Baseline: true, Mix: true}, with("hark")...)
	rep := measure(t, bench.Config{Scenario: bench.Steady, URL: "memory://", Rate: 2000, Duration: 500 * time.Millisecond, Baseline: true, Mix: true}, with("hark")...)
	checkLatency(t, rep)
	measure(t, bench.Config{Scenario: bench.Fanout, URL: "memory://", Messages: 1200, Pools: 2, Baseline: true, Mix: true}, with("hark")...)
	measure(t, bench.Config{Scenario: bench.Drain, URL: "memory://", Messages: 1200, Batch: 50, Mix: true}, "hark")
}

// streams lists the streams on the server at url.
func streams(t *testing.T, url string) []string {
	t.Helper()
	u, err := transport.ParseURL(url)
	require.NoError(t, err)
	ctx := testutil.Within(t, 10*time.Second)
	nc, err := hnats.Dial(ctx, u)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	var names []string
	l := js.StreamNames(ctx)
	for n := range l.Name() {
		names = append(names, n)
	}
	require.NoError(t, l.Err())
	return names
}

func TestMeasure_NATS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server")
	}
	srv, err := embedded.Start(embedded.Config{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	require.NoError(t, err)
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	url := srv.ClientURL()

	rep := measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 2000, Baseline: true}, with("hark")...)
	assert.Equal(t, "nats-jetstream", rep.Transport)
	rep = measure(t, bench.Config{Scenario: bench.Steady, URL: url, Rate: 2000, Duration: 500 * time.Millisecond, Baseline: true}, with("hark")...)
	checkLatency(t, rep)
	measure(t, bench.Config{Scenario: bench.Fanout, URL: url, Messages: 1000, Pools: 2, Baseline: true}, with("hark")...)
	assert.Empty(t, streams(t, url), "every stream the benchmark made is deleted")

	rep = measure(t, bench.Config{Scenario: bench.Drain, URL: url + "?mode=core", Messages: 5000, Baseline: true}, with("hark")...)
	assert.Equal(t, "nats-core", rep.Transport)
	measure(t, bench.Config{Scenario: bench.Fanout, URL: url + "?mode=core", Messages: 1000, Pools: 2, Baseline: true}, with("hark")...)
}

// startNATS starts an in-process NATS server with JetStream and returns
// its URL.
func startNATS(t *testing.T) string {
	t.Helper()
	srv, err := embedded.Start(embedded.Config{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	require.NoError(t, err)
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv.ClientURL()
}

func TestMeasure_NATS_mix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server")
	}
	url := startNATS(t)
	measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 3000, Baseline: true, Mix: true}, with("hark")...)
	rep := measure(t, bench.Config{Scenario: bench.Steady, URL: url, Rate: 2000, Duration: 500 * time.Millisecond, Baseline: true, Mix: true}, with("hark")...)
	checkLatency(t, rep)
	measure(t, bench.Config{Scenario: bench.Fanout, URL: url, Messages: 1200, Pools: 2, Baseline: true, Mix: true}, with("hark")...)
	assert.Empty(t, streams(t, url), "every stream the benchmark made is deleted")

	measure(t, bench.Config{Scenario: bench.Drain, URL: url + "?mode=core", Messages: 3000, Baseline: true, Mix: true}, with("hark")...)
}

// harkd runs as processes of its own, one per pool, with and without
// Mix (its log endpoint takes every priority either way), on JetStream
// and on NATS core.
func TestMeasure_NATS_harkd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds harkd and starts a NATS server")
	}
	harkd := bench.BuildHarkd(t)
	url := startNATS(t)
	rep := measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 3000, Baseline: true, Mix: true, Harkd: bench.Harkd{Path: harkd}}, with("hark", "harkd")...)
	assert.Contains(t, rep.Runs[3].Client, "listener defaults")
	measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 2000, Harkd: bench.Harkd{Path: harkd, Workers: 8}}, "hark", "harkd")
	measure(t, bench.Config{Scenario: bench.Fanout, URL: url, Messages: 1000, Pools: 2, Mix: true, Harkd: bench.Harkd{Path: harkd}}, "hark", "harkd")
	measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 1000, Batch: 20, Mix: true, Harkd: bench.Harkd{Path: harkd}}, "hark", "harkd")
	assert.Empty(t, streams(t, url), "every stream the benchmark made is deleted")

	measure(t, bench.Config{Scenario: bench.Drain, URL: url + "?mode=core", Messages: 3000, Mix: true, Harkd: bench.Harkd{Path: harkd}}, "hark", "harkd")
}

// fakeHarkd writes a shell script that stands in for harkd: it runs
// script.
func fakeHarkd(t *testing.T, script string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs a POSIX shell")
	}
	path := filepath.Join(t.TempDir(), "harkd")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755))
	return path
}

// A harkd that exits, or never gets ready, fails the round, and the error
// carries the end of what it wrote to standard error.
func TestMeasure_harkd_failures(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server")
	}
	url := startNATS(t)
	exits := fakeHarkd(t, `echo "harkd: cannot start the listener: it broke" >&2; exit 1`)
	_, err := bench.Measure(testutil.Within(t, time.Minute), bench.Config{Scenario: bench.Drain, URL: url, Messages: 10, Harkd: bench.Harkd{Path: exits}})
	require.Error(t, err)
	assert.ErrorContains(t, err, "harkd exited early")
	assert.ErrorContains(t, err, "it broke")

	hangs := fakeHarkd(t, `echo "harkd: waiting for nothing" >&2; exec sleep 60`)
	_, err = bench.Measure(testutil.Within(t, time.Minute), bench.Config{Scenario: bench.Drain, URL: url, Messages: 10, Stall: time.Second, Harkd: bench.Harkd{Path: hangs}})
	require.ErrorIs(t, err, bench.ErrStalled)
	assert.ErrorContains(t, err, "/readyz")
	assert.ErrorContains(t, err, "waiting for nothing")
	assert.Empty(t, streams(t, url), "a failed round cleans up too")

	_, err = bench.Measure(testutil.Within(t, 10*time.Second), bench.Config{Scenario: bench.Drain, URL: "memory://", Messages: 10, Harkd: bench.Harkd{Path: exits}})
	require.ErrorIs(t, err, bench.ErrInvalidConfig)
	assert.ErrorContains(t, err, "memory://")

	_, err = bench.Measure(testutil.Within(t, 10*time.Second), bench.Config{Scenario: bench.Steady, URL: url, Rate: 10, Duration: time.Second, Harkd: bench.Harkd{Path: exits}})
	require.ErrorIs(t, err, bench.ErrInvalidConfig)
	assert.ErrorContains(t, err, "drain and fanout")

	_, err = bench.Measure(testutil.Within(t, 10*time.Second), bench.Config{Scenario: bench.Drain, URL: url, Harkd: bench.Harkd{Path: filepath.Join(t.TempDir(), "missing")}})
	require.ErrorIs(t, err, bench.ErrInvalidConfig)
	assert.ErrorContains(t, err, "go build")
}

func TestMeasure_RabbitMQ(t *testing.T) {
	url := os.Getenv("HARK_TEST_RABBIT_URL")
	if url == "" {
		t.Skip("set HARK_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:5672/ to benchmark against RabbitMQ")
	}
	contenders := with("hark")
	oslo := os.Getenv("HARK_TEST_OSLO") != ""
	if oslo {
		contenders = with("oslo", "hark")
	}
	rep := measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 1000, Baseline: true, Oslo: oslo}, contenders...)
	assert.Equal(t, "rabbit", rep.Transport)
	fan := measure(t, bench.Config{Scenario: bench.Fanout, URL: url, Messages: 500, Pools: 2, Baseline: true}, with("hark")...)
	mix := measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 1200, Baseline: true, Oslo: oslo, Mix: true}, contenders...)
	fanMix := measure(t, bench.Config{Scenario: bench.Fanout, URL: url, Messages: 600, Pools: 2, Baseline: true, Mix: true}, with("hark")...)

	// Nothing is left behind: the exchanges and queues of the run are
	// gone (a passive declare of a missing one closes the channel).
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer conn.Close()
	gone := func(runID string, cs []string, pools int) {
		t.Helper()
		for _, c := range cs {
			base := "harkbench_" + runID + "_" + c + "1"
			ch, err := conn.Channel()
			require.NoError(t, err)
			assert.Error(t, ch.ExchangeDeclarePassive(base, "topic", false, false, false, false, nil), "exchange %s deleted", base)
			queues := []string{}
			for _, p := range []string{"audit", "debug", "info", "warn", "error", "critical", "sample"} {
				queues = append(queues, base+"."+p)
			}
			for p := range pools {
				queues = append(queues, fmt.Sprintf("%s_pool%d", base, p+1))
			}
			for _, q := range queues {
				ch, err := conn.Channel()
				require.NoError(t, err)
				_, err = ch.QueueDeclarePassive(q, false, false, false, false, nil)
				assert.Error(t, err, "queue %s deleted", q)
			}
		}
	}
	gone(rep.RunID, contenders, 0)
	gone(fan.RunID, with("hark"), 2)
	gone(mix.RunID, contenders, 0)
	gone(fanMix.RunID, with("hark"), 2)
}

func TestMeasure_RabbitMQ_harkd(t *testing.T) {
	url := os.Getenv("HARK_TEST_RABBIT_URL")
	if url == "" {
		t.Skip("set HARK_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:5672/ to benchmark against RabbitMQ")
	}
	harkd := bench.BuildHarkd(t)
	rep := measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 1200, Baseline: true, Mix: true, Harkd: bench.Harkd{Path: harkd}}, with("hark", "harkd")...)
	fan := measure(t, bench.Config{Scenario: bench.Fanout, URL: url, Messages: 600, Pools: 2, Mix: true, Harkd: bench.Harkd{Path: harkd}}, "hark", "harkd")

	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer conn.Close()
	for _, base := range []string{"harkbench_" + rep.RunID + "_harkd1", "harkbench_" + fan.RunID + "_harkd1"} {
		for _, q := range []string{base + ".info", base + ".audit", base + ".sample", base + "_pool1", base + "_pool2"} {
			ch, err := conn.Channel()
			require.NoError(t, err)
			_, err = ch.QueueDeclarePassive(q, false, false, false, false, nil)
			assert.Error(t, err, "harkd's queue %s deleted", q)
		}
	}
}

func TestMeasure_errors(t *testing.T) {
	_, err := bench.Measure(testutil.Within(t, 10*time.Second), bench.Config{Scenario: bench.Steady, URL: "memory://", Oslo: true, Rate: 10, Duration: time.Second})
	require.ErrorIs(t, err, bench.ErrOsloUnavailable)
	assert.ErrorContains(t, err, "drain scenario on RabbitMQ only")

	_, err = bench.Measure(testutil.Within(t, 10*time.Second), bench.Config{Scenario: bench.Drain, URL: "rabbit://guest:guest@127.0.0.1:1/", Messages: 10, Baseline: true})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "127.0.0.1:1"), "the error names where it tried: %v", err)
}
