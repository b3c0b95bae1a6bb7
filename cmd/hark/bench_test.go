package main

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/bench"
)

func TestBench_drain_JSON_then_plot(t *testing.T) {
	ctx := context.Background()
	r := hark(t, ctx, "", "bench", "drain", "--url", "memory://", "--count", "500", "--rounds", "2", "--json")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.err)
	var rep bench.Report
	require.NoError(t, json.Unmarshal([]byte(r.out), &rep))
	assert.Equal(t, "drain", rep.Scenario)
	assert.Equal(t, 500, rep.Messages)
	assert.Equal(t, 2, rep.Rounds)
	require.Len(t, rep.Runs, 2)
	assert.Equal(t, "bare", rep.Runs[0].Name)
	assert.Equal(t, "hark", rep.Runs[1].Name)
	assert.Contains(t, r.err, "hark", "progress on stderr")

	s := hark(t, ctx, "", "bench", "steady", "--url", "memory://", "--rate", "1000", "--duration", "300ms", "--json", "--quiet")
	require.Equal(t, exitOK, s.code, "stderr: %s", s.err)
	assert.Empty(t, s.err, "--quiet: no progress")

	dir := t.TempDir()
	results := filepath.Join(dir, "results.jsonl")
	require.NoError(t, os.WriteFile(results, []byte(r.out+"\n"+s.out), 0o644))
	out := filepath.Join(dir, "bench.png")
	p := hark(t, ctx, "", "bench", "plot", "-o", out, "--width", "900", "--height", "500", results)
	require.Equal(t, exitOK, p.code, "stderr: %s", p.err)
	assert.Contains(t, p.err, "2 reports")
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, 900, img.Bounds().Dx())

	// Reports on standard input work too; a line that is not one is named.
	p = hark(t, ctx, r.out, "bench", "plot", "-o", filepath.Join(dir, "stdin.png"))
	require.Equal(t, exitOK, p.code, "stderr: %s", p.err)
	p = hark(t, ctx, r.out+"\n{\"oops\": 1}\n", "bench", "plot", "-o", filepath.Join(dir, "bad.png"))
	assert.Equal(t, exitError, p.code)
	assert.Contains(t, p.err, "standard input:3: not a bench report")
}

func TestBench_text_report(t *testing.T) {
	r := hark(t, context.Background(), "", "bench", "fanout", "--url", "memory://", "--count", "300", "--pools", "2", "--quiet")
	require.Equal(t, exitOK, r.code, "stderr: %s", r.err)
	assert.Contains(t, r.out, "hark bench fanout on memory")
	assert.Contains(t, r.out, "× 2 pools")
	assert.Contains(t, r.out, "hark / bare:")
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	assert.GreaterOrEqual(t, len(lines), 5)
}

func TestBench_unreachable_broker(t *testing.T) {
	r := hark(t, context.Background(), "", "bench", "drain", "--url", "rabbit://guest:guest@127.0.0.1:1/", "--count", "10", "--quiet")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.err, "127.0.0.1:1")
}
