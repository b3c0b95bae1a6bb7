package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildHarkd builds harkd into a temporary directory and returns its
// path; the test is skipped when it cannot be built.
func buildHarkd(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("cannot build harkd: no go command: %v", err)
	}
	path := filepath.Join(t.TempDir(), "harkd")
	out, err := exec.Command(goBin, "build", "-o", path, "github.com/harkmq/hark/cmd/harkd").CombinedOutput()
	if err != nil {
		t.Skipf("cannot build harkd: %v: %s", err, out)
	}
	return path
}

// checkConfig writes conf and has harkd check it.
func checkConfig(t *testing.T, harkd string, conf []byte) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "harkd.yaml")
	require.NoError(t, os.WriteFile(file, conf, 0o600))
	out, err := exec.Command(harkd, "--config", file, "--check").CombinedOutput()
	require.NoError(t, err, "harkd --check of\n%s\nsaid: %s", conf, out)
	assert.Contains(t, string(out), "is valid")
}

// The config harkd gets is one harkd accepts, and it sets the listener's
// workers, prefetch and executor only when they were asked for.
func TestHarkdConfig_passes_harkd_check(t *testing.T) {
	harkd := buildHarkd(t)
	n := names{exchange: "harkbench_x_harkd1", topic: "harkbench_x_harkd1"}

	plain := Config{Scenario: Drain, URL: "nats://127.0.0.1:4222", Harkd: Harkd{Path: harkd}}.WithDefaults()
	conf, err := harkdConfigYAML(&plain, n, "", "127.0.0.1:19090")
	require.NoError(t, err)
	checkConfig(t, harkd, conf)
	for _, key := range []string{"workers", "prefetch", "executor", "batch", "pool", "requeue"} {
		assert.NotContains(t, string(conf), key+":", "a plain config leaves %s to harkd", key)
	}
	for _, want := range []string{"transport_url: nats://127.0.0.1:4222", "exchange: harkbench_x_harkd1", "type: log", "level: debug", "listen: 127.0.0.1:19090", "level: warn"} {
		assert.Contains(t, string(conf), want)
	}

	set := Config{Scenario: Fanout, URL: "rabbit://guest:secret@127.0.0.1:5672/", Batch: 50, Pools: 2,
		Harkd: Harkd{Path: harkd, Workers: 8, Prefetch: 100, Executor: "pooled"}}.WithDefaults()
	conf, err = harkdConfigYAML(&set, n, "harkbench_x_harkd1_pool1", "127.0.0.1:19091")
	require.NoError(t, err)
	checkConfig(t, harkd, conf)
	for _, want := range []string{"pool: harkbench_x_harkd1_pool1", "workers: 8", "prefetch: 100", "executor: pooled", "size: 50", "timeout: 100ms"} {
		assert.Contains(t, string(conf), want)
	}

	core := Config{Scenario: Drain, URL: "nats://127.0.0.1:4222?mode=core", Harkd: Harkd{Path: harkd}}.WithDefaults()
	conf, err = harkdConfigYAML(&core, n, "", "127.0.0.1:19092")
	require.NoError(t, err)
	checkConfig(t, harkd, conf)
	assert.Contains(t, string(conf), "allow: false", "NATS core delivers at most once: harkd refuses requeue there")

	kafka := Config{Scenario: Drain, URL: "kafka://127.0.0.1:9092?max_poll_records=500", Harkd: Harkd{Path: harkd}}.WithDefaults()
	conf, err = harkdConfigYAML(&kafka, n, "harkbench_x_harkd1", "127.0.0.1:19093")
	require.NoError(t, err)
	checkConfig(t, harkd, conf)
	assert.Contains(t, string(conf), "start: all", "on Kafka the round's group reads its fresh topics from their start")
	assert.Empty(t, plain.startPosition().String(), "elsewhere the transport's default")
}

func TestHarkdEnviron_drops_HARK_variables(t *testing.T) {
	env := harkdEnviron([]string{"PATH=/bin", "HARK_LISTENER__WORKERS=2", "HOME=/root", "HARK_TEST_RABBIT_URL=amqp://x"})
	assert.Equal(t, []string{"PATH=/bin", "HOME=/root"}, env)
}

func TestSumCounter(t *testing.T) {
	metrics := `# HELP hark_notifications_acked_total Notifications acknowledged.
# TYPE hark_notifications_acked_total counter
hark_notifications_acked_total{priority="audit"} 3
hark_notifications_acked_total{priority="info"} 1.2345e+06
hark_notifications_acked_total_other 99
hark_notifications_received_total{priority="info"} 7
`
	n, err := sumCounter(strings.NewReader(metrics), ackedMetric)
	require.NoError(t, err)
	assert.EqualValues(t, 1_234_503, n)

	_, err = sumCounter(strings.NewReader(`hark_notifications_acked_total{priority="info"} x`), ackedMetric)
	assert.Error(t, err)
}

func TestProcUsage_parse(t *testing.T) {
	hwm, err := parseVmHWM([]byte("Name:\tharkd\nVmPeak:\t 1000 kB\nVmHWM:\t   25812 kB\nVmRSS:\t 20000 kB\n"))
	require.NoError(t, err)
	assert.EqualValues(t, 25812*1024, hwm)
	_, err = parseVmHWM([]byte("Name:\tharkd\n"))
	assert.Error(t, err)

	// The command name may hold spaces and parentheses.
	stat := "4242 (hark d) (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 130 0 0 20 0 9 0 100 0 0"
	cpu, err := parseStatCPU([]byte(stat))
	require.NoError(t, err)
	assert.Equal(t, 3800*time.Millisecond, cpu, "utime 250 + stime 130 ticks of 10ms")

	u, err := readProcUsage(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	assert.Positive(t, u.peakRSS)
}

func TestTailBuffer_keeps_the_end(t *testing.T) {
	b := &tailBuffer{max: 8}
	_, _ = b.Write([]byte("0123456789"))
	_, _ = b.Write([]byte("ab"))
	assert.Equal(t, "456789ab", b.String())
}
