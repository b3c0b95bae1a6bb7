package bench_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/bench"
)

// TestWriteText_words: counts of one are singular, and a steady report's
// ratios give the latency percentiles' besides the throughput's.
func TestWriteText_words(t *testing.T) {
	rep := &bench.Report{
		Scenario: "steady", Transport: "memory", URL: "memory://", Messages: 1, BodyBytes: 1,
		Prefetch: 256, Workers: 1, Executor: "pooled", Pools: 1, Rate: 1, Rounds: 1,
		Host: bench.Host{CPUs: 1, GoVersion: "go1.26.0"},
		Runs: []bench.Run{
			{Name: "bare", Messages: 1, Seconds: 1, MsgPerSec: 1, Latency: &bench.Latency{P50: 100, P90: 150, P99: 200, Max: 300}},
			{Name: "hark", Messages: 1, Seconds: 1, MsgPerSec: 1, Latency: &bench.Latency{P50: 110, P90: 160, P99: 300, Max: 400}},
			{Name: "harkd", Messages: 1, Warmup: 1, Seconds: 1, MsgPerSec: 1, Process: &bench.Process{Processes: 1, StartupSeconds: 0.5}},
		},
		Ratios: []bench.Ratio{{Of: "hark", To: "bare", Value: 1, P50: 1.1, P99: 1.5}},
	}
	var b bytes.Buffer
	require.NoError(t, bench.WriteText(&b, rep))
	out := b.String()
	assert.Contains(t, out, "1 notification of 1 byte at 1 msg/s; prefetch 256; pooled executor with 1 worker; 1 round, median shown; 1 CPU, go1.26.0")
	assert.Contains(t, out, "harkd: 1 process,")
	assert.Contains(t, out, "leaving out 1 notification handled before")
	assert.Contains(t, out, "hark / bare: 1.00× msg/s, 1.10× p50 latency, 1.50× p99 latency")
}
