package benchplot

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadReports_saved: the reports BENCHMARKS.md charts, as hark
// printed them, decode with every figure the chart draws, and render.
func TestReadReports_saved(t *testing.T) {
	name := filepath.Join("..", "..", "..", "docs", "bench", "results.jsonl")
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	reports, err := ReadReports(f, name)
	require.NoError(t, err)
	require.NotEmpty(t, reports)
	var latency bool
	for i, r := range reports {
		assert.NotEmpty(t, r.Transport, "report %d", i)
		assert.NotZero(t, r.Host.CPUs, "report %d", i)
		assert.False(t, r.Started.IsZero(), "report %d", i)
		require.NotEmpty(t, r.Runs, "report %d", i)
		for _, run := range r.Runs {
			assert.NotEmpty(t, run.Name, "report %d", i)
			assert.Positive(t, run.MsgPerSec, "report %d: %s", i, run.Name)
			if run.Latency != nil {
				latency = true
				assert.Positive(t, run.Latency.P99, "report %d: %s", i, run.Name)
			}
		}
	}
	assert.True(t, latency, "the saved steady reports carry latency")
	var buf bytes.Buffer
	require.NoError(t, Render(&buf, reports, WithSize(900, 500)))
}

// TestReadReports_bad: a line that is not a report is named by line
// number; blank lines are skipped.
func TestReadReports_bad(t *testing.T) {
	in := `{"scenario":"drain","transport":"memory","runs":[{"name":"hark","msg_per_sec":1}]}` + "\n\n" + `{"oops": 1}` + "\n"
	_, err := ReadReports(strings.NewReader(in), "standard input")
	require.Error(t, err)
	assert.Equal(t, "standard input:3: not a bench report (no scenario)", err.Error())

	_, err = ReadReports(strings.NewReader("not json\n"), "r.jsonl")
	assert.ErrorContains(t, err, "r.jsonl:1: ")

	reports, err := ReadReports(strings.NewReader("\n"+in[:strings.Index(in, "\n")]+"\n"), "x")
	require.NoError(t, err)
	require.Len(t, reports, 1)
	assert.Equal(t, []Run{{Name: "hark", MsgPerSec: 1}}, reports[0].Runs)
}
