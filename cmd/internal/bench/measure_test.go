package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/bench"
	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
	"github.com/harkmq/hark/transport/nats/embedded"
)

func within(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// measure runs cfg and checks what every report must hold: one run per
// contender in order, every notification counted, a positive rate, and
// hark's ratio to each other contender.
func measure(t *testing.T, cfg bench.Config, contenders ...string) *bench.Report {
	t.Helper()
	var progress bytes.Buffer
	cfg.Progress = &progress
	cfg.Stall = 20 * time.Second
	rep, err := bench.Measure(within(t, 2*time.Minute), cfg)
	require.NoError(t, err)
	names := make([]string, len(rep.Runs))
	for i, r := range rep.Runs {
		names[i] = r.Name
		assert.Positive(t, r.MsgPerSec, r.Name)
		assert.Positive(t, r.Seconds, r.Name)
		assert.Len(t, r.RoundsMsgPerSec, rep.Rounds, r.Name)
		assert.Equal(t, rep.Messages*rep.Pools, r.Messages, "%s handled every notification of every pool", r.Name)
		assert.NotEmpty(t, r.Client)
	}
	assert.Equal(t, contenders, names)
	require.Len(t, rep.Ratios, len(contenders)-1)
	for i, ra := range rep.Ratios {
		assert.Equal(t, "hark", ra.Of)
		assert.Equal(t, contenders[i], ra.To)
		assert.InDelta(t, rep.Runs[len(rep.Runs)-1].MsgPerSec/rep.Runs[i].MsgPerSec, ra.Value, 1e-9)
	}
	assert.Positive(t, rep.BodyBytes)

	var text bytes.Buffer
	require.NoError(t, bench.WriteText(&text, rep))
	for _, c := range contenders {
		assert.Contains(t, text.String(), c)
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
	rep := measure(t, bench.Config{Scenario: bench.Drain, URL: "memory://", Messages: 3000, Baseline: true, Rounds: 3}, "bare", "hark")
	assert.Equal(t, "memory", rep.Transport)
	assert.Equal(t, 128, rep.Prefetch)

	rep = measure(t, bench.Config{Scenario: bench.Steady, URL: "memory://", Rate: 2000, Duration: 500 * time.Millisecond, Baseline: true}, "bare", "hark")
	assert.Equal(t, 1000, rep.Messages)
	checkLatency(t, rep)

	rep = measure(t, bench.Config{Scenario: bench.Fanout, URL: "memory://", Messages: 1000, Pools: 3, Baseline: true}, "bare", "hark")
	assert.Equal(t, 3, rep.Pools)

	measure(t, bench.Config{Scenario: bench.Drain, URL: "memory://", Messages: 1000, Batch: 50, Executor: "blocking"}, "hark")
}

// streams lists the streams on the server at url.
func streams(t *testing.T, url string) []string {
	t.Helper()
	u, err := transport.ParseURL(url)
	require.NoError(t, err)
	ctx := within(t, 10*time.Second)
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
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	url := srv.ClientURL()

	rep := measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 2000, Baseline: true}, "bare", "hark")
	assert.Equal(t, "nats-jetstream", rep.Transport)
	rep = measure(t, bench.Config{Scenario: bench.Steady, URL: url, Rate: 2000, Duration: 500 * time.Millisecond, Baseline: true}, "bare", "hark")
	checkLatency(t, rep)
	measure(t, bench.Config{Scenario: bench.Fanout, URL: url, Messages: 1000, Pools: 2, Baseline: true}, "bare", "hark")
	assert.Empty(t, streams(t, url), "every stream the benchmark made is deleted")

	rep = measure(t, bench.Config{Scenario: bench.Drain, URL: url + "?mode=core", Messages: 5000, Baseline: true}, "bare", "hark")
	assert.Equal(t, "nats-core", rep.Transport)
	measure(t, bench.Config{Scenario: bench.Fanout, URL: url + "?mode=core", Messages: 1000, Pools: 2, Baseline: true}, "bare", "hark")
}

func TestMeasure_RabbitMQ(t *testing.T) {
	url := os.Getenv("HARK_TEST_RABBIT_URL")
	if url == "" {
		t.Skip("set HARK_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:5672/ to benchmark against RabbitMQ")
	}
	contenders := []string{"bare", "hark"}
	oslo := os.Getenv("HARK_TEST_OSLO") != ""
	if oslo {
		contenders = []string{"bare", "oslo", "hark"}
	}
	rep := measure(t, bench.Config{Scenario: bench.Drain, URL: url, Messages: 1000, Baseline: true, Oslo: oslo}, contenders...)
	assert.Equal(t, "rabbit", rep.Transport)
	fan := measure(t, bench.Config{Scenario: bench.Fanout, URL: url, Messages: 500, Pools: 2, Baseline: true}, "bare", "hark")

	// Nothing is left behind: the exchanges and queues of the run are
	// gone (a passive declare of a missing one closes the channel).
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer conn.Close()
	for _, c := range contenders {
		base := "harkbench_" + rep.RunID + "_" + c + "1"
		ch, err := conn.Channel()
		require.NoError(t, err)
		assert.Error(t, ch.ExchangeDeclarePassive(base, "topic", false, false, false, false, nil), "exchange %s deleted", base)
		ch, err = conn.Channel()
		require.NoError(t, err)
		_, err = ch.QueueDeclarePassive(base+".info", false, false, false, false, nil)
		assert.Error(t, err, "queue %s.info deleted", base)
	}
	for _, c := range []string{"bare", "hark"} {
		base := "harkbench_" + fan.RunID + "_" + c + "1"
		for _, q := range []string{base + ".info", base + "_pool1", base + "_pool2"} {
			ch, err := conn.Channel()
			require.NoError(t, err)
			_, err = ch.QueueDeclarePassive(q, false, false, false, false, nil)
			assert.Error(t, err, "fanout queue %s deleted", q)
		}
	}
}

func TestMeasure_errors(t *testing.T) {
	_, err := bench.Measure(within(t, 10*time.Second), bench.Config{Scenario: bench.Steady, URL: "memory://", Oslo: true, Rate: 10, Duration: time.Second})
	require.ErrorIs(t, err, bench.ErrOsloUnavailable)
	assert.ErrorContains(t, err, "drain scenario on RabbitMQ only")

	_, err = bench.Measure(within(t, 10*time.Second), bench.Config{Scenario: bench.Drain, URL: "rabbit://guest:guest@127.0.0.1:1/", Messages: 10, Baseline: true})
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "127.0.0.1:1"), "the error names where it tried: %v", err)
}
