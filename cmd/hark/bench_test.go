package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/bench"
)

func TestBench_drain_JSON(t *testing.T) {
	ctx := t.Context()
	r := hark(t, ctx, "", "bench", "drain", "--url", "memory://", "--count", "500", "--rounds", "2", "--json")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.err)
	var rep bench.Report
	require.NoError(t, json.Unmarshal([]byte(r.out), &rep))
	assert.Equal(t, "drain", rep.Scenario)
	assert.Equal(t, 500, rep.Messages)
	assert.Equal(t, 2, rep.Rounds)
	require.Len(t, rep.Runs, 3)
	assert.Equal(t, "bare", rep.Runs[0].Name)
	assert.Equal(t, "bare-envelope", rep.Runs[1].Name)
	assert.Equal(t, "hark", rep.Runs[2].Name)
	assert.False(t, rep.Mix)
	assert.Contains(t, r.err, "hark", "progress on stderr")

	s := hark(t, ctx, "", "bench", "steady", "--url", "memory://", "--rate", "1000", "--duration", "300ms", "--json", "--quiet")
	require.Equal(t, exitOK, s.code, "stderr: %s", s.err)
	assert.Empty(t, s.err, "--quiet: no progress")
	// Charting these reports is hark-benchplot's, in the tools module; its
	// test plots what this hark prints.
}

// TestBench_plot_moved: "hark bench plot", whose charts moved to
// hark-benchplot in the tools module, says how to build it, whatever its
// flags, and is not listed among the scenarios.
func TestBench_plot_moved(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "plot"},
		{"bench", "plot", "-o", "bench.png", "results.jsonl"},
		{"bench", "plot", "--format", "svg", "-o", "-"},
	} {
		r := hark(t, t.Context(), "", args...)
		assert.Equal(t, exitUsage, r.code, "%v: stderr: %s", args, r.err)
		assert.Contains(t, r.err, "bench plot has moved out of hark", "%v", args)
		assert.Contains(t, r.err, "go build -C tools -o /tmp/hark-benchplot ./cmd/hark-benchplot", "%v", args)
		assert.Contains(t, r.err, "/tmp/hark-benchplot -o bench.png results.jsonl", "%v", args)
	}
	h := hark(t, t.Context(), "", "bench", "plot", "--help")
	assert.Equal(t, exitOK, h.code)
	assert.Contains(t, h.out, "drawn by\nhark-benchplot, with the flags and arguments \"hark bench plot\" had")
	assert.Contains(t, h.out, "go build -C tools -o /tmp/hark-benchplot ./cmd/hark-benchplot")

	h = hark(t, t.Context(), "", "bench", "--help")
	assert.Equal(t, exitOK, h.code)
	assert.NotContains(t, h.out, "hark bench plot", "the example charts with hark-benchplot")
	assert.Contains(t, h.out, "/tmp/hark-benchplot -o bench.png results.jsonl")
	assert.NotContains(t, h.out, "\n  plot ", "plot is not listed among the scenarios")
}

func TestBench_text_report(t *testing.T) {
	r := hark(t, t.Context(), "", "bench", "fanout", "--url", "memory://", "--count", "300", "--pools", "2", "--quiet")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.err)
	assert.Contains(t, r.out, "hark bench fanout on memory")
	assert.Contains(t, r.out, "× 2 pools")
	assert.Contains(t, r.out, "hark / bare:")
	assert.Contains(t, r.out, "hark / bare-envelope:")
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	assert.GreaterOrEqual(t, len(lines), 5)
}

func TestBench_mix(t *testing.T) {
	r := hark(t, t.Context(), "", "bench", "drain", "--url", "memory://", "--count", "600", "--mix", "--json", "--quiet")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.err)
	var rep bench.Report
	require.NoError(t, json.Unmarshal([]byte(r.out), &rep))
	assert.True(t, rep.Mix)
	require.Len(t, rep.Runs, 3)
	for _, run := range rep.Runs {
		assert.Equal(t, 600, run.Messages, run.Name)
	}
}

func TestBench_harkd_flag(t *testing.T) {
	// harkd cannot reach the memory broker of another process: a usage
	// error, found before anything runs.
	self, err := os.Executable()
	require.NoError(t, err)
	r := hark(t, t.Context(), "", "bench", "drain", "--url", "memory://", "--count", "10", "--harkd", self, "--quiet")
	assert.Equal(t, exitUsage, r.code, "stderr: %s", r.err)
	assert.Contains(t, r.err, "memory://")

	r = hark(t, t.Context(), "", "bench", "drain", "--url", "memory://", "--harkd", "/nonexistent/harkd", "--quiet")
	assert.Equal(t, exitUsage, r.code, "stderr: %s", r.err)
	assert.Contains(t, r.err, "go build -o /tmp/harkd ./cmd/harkd")

	r = hark(t, t.Context(), "", "bench", "steady", "--url", "memory://", "--harkd", self)
	assert.Equal(t, exitUsage, r.code, "steady has no --harkd flag: %s", r.err)

	h := hark(t, t.Context(), "", "bench", "drain", "--help")
	assert.Contains(t, h.out, "--harkd")
	assert.Contains(t, h.out, "--mix")
	h = hark(t, t.Context(), "", "bench", "--help")
	assert.Contains(t, h.out, "bare-envelope")
	assert.Contains(t, h.out, "--harkd PATH")
}

// Only the listener flags given on the command line reach harkd's config.
func TestBench_harkd_settings_only_when_given(t *testing.T) {
	a := &app{}
	for _, tc := range []struct {
		args []string
		want bench.Harkd
	}{
		{nil, bench.Harkd{Path: "/tmp/harkd"}},
		{[]string{"--workers", "8"}, bench.Harkd{Path: "/tmp/harkd", Workers: 8}},
		{[]string{"--prefetch", "50", "--executor", "blocking"}, bench.Harkd{Path: "/tmp/harkd", Prefetch: 50, Executor: "blocking"}},
	} {
		cmd := a.newBenchScenarioCmd(bench.Drain, "")
		require.NoError(t, cmd.ParseFlags(append([]string{"--harkd", "/tmp/harkd"}, tc.args...)))
		f := benchFlags{harkd: "/tmp/harkd"}
		f.workers, _ = cmd.Flags().GetInt("workers")
		f.prefetch, _ = cmd.Flags().GetInt("prefetch")
		f.executor, _ = cmd.Flags().GetString("executor")
		assert.Equal(t, tc.want, harkdSettings(cmd.Flags(), f), "%v", tc.args)
	}
}

func TestBench_unreachable_broker(t *testing.T) {
	r := hark(t, t.Context(), "", "bench", "drain", "--url", "rabbit://guest:guest@127.0.0.1:1/", "--count", "10", "--quiet")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.err, "127.0.0.1:1")
}
