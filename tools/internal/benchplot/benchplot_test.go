package benchplot

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleReports returns a realistic set of reports: drain on every broker
// (oslo only on RabbitMQ) and a steady run with latencies.
func sampleReports() []Report {
	host := Host{GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", CPUs: 2}
	started := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	report := func(transport, scenario string, runs ...Run) Report {
		return Report{
			Scenario: scenario, Transport: transport,
			Runs: runs, Host: host, Started: started,
		}
	}
	run := func(name string, msgPerSec float64) Run {
		return Run{Name: name, MsgPerSec: msgPerSec}
	}
	withLatency := func(r Run, p50, p90, p99, maxUS float64) Run {
		r.Latency = &Latency{P50: p50, P90: p90, P99: p99, Max: maxUS}
		return r
	}
	steady := report("nats-jetstream", "steady",
		withLatency(run("hark", 4_998), 310, 520, 880, 23_400),
		withLatency(run("bare", 4_999), 240, 410, 690, 18_900),
	)
	return []Report{
		report("rabbit", "drain", run("hark", 51_230), run("bare", 63_870), run("oslo", 3_150)),
		report("nats-jetstream", "drain", run("hark", 182_400), run("bare", 231_900)),
		report("nats-core", "drain", run("hark", 412_000), run("bare", 540_300)),
		steady,
	}
}

// decode decodes a PNG or fails the test.
func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	return img
}

// colours counts the pixels of each colour in img.
func colours(img image.Image) map[color.RGBA]int {
	seen := make(map[color.RGBA]int)
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(bl >> 8), A: uint8(a >> 8)}]++
		}
	}
	return seen
}

// rgba converts c for lookups in a colours map.
func rgba(c color.Color) color.RGBA {
	return color.RGBAModel.Convert(c).(color.RGBA)
}

func TestRenderSample(t *testing.T) {
	reports := sampleReports()
	var buf bytes.Buffer
	require.NoError(t, Render(&buf, reports))
	require.NoError(t, os.WriteFile(filepath.Join(t.TempDir(), "sample.png"), buf.Bytes(), 0o644))

	img := decode(t, buf.Bytes())
	assert.Equal(t, image.Rect(0, 0, 1400, 600), img.Bounds())
	seen := colours(img)
	assert.Greater(t, len(seen), 20, "expected antialiased text and several fills")
	assert.Less(t, seen[color.RGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}], 1400*600*95/100, "image is almost blank")
	palette := newPalette(contenderOrder(reports))
	for _, name := range []string{"hark", "bare", "oslo"} {
		// Every bar is at least a few pixels of solid fill.
		assert.Greater(t, seen[rgba(palette[name])], 50, "no %s bars", name)
	}
}

func TestRenderWithoutLatency(t *testing.T) {
	reports := sampleReports()[:3]
	_, ok := latencyChart(reports, contenderOrder(reports), nil)
	assert.False(t, ok, "drain reports have no latency panel")

	var buf bytes.Buffer
	require.NoError(t, Render(&buf, reports))
	assert.Equal(t, image.Rect(0, 0, 1400, 600), decode(t, buf.Bytes()).Bounds())
}

func TestRenderOptions(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Render(&buf, sampleReports(), WithSize(2000, 900), WithSize(640, 400), WithTitle(""), nil))
	assert.Equal(t, image.Rect(0, 0, 640, 400), decode(t, buf.Bytes()).Bounds(), "the last WithSize wins; the minimum is accepted")
}

func TestRenderManyGroups(t *testing.T) {
	// More groups than fit on one line each, two steady reports and an
	// unknown contender: must still render.
	reports := sampleReports()
	more := sampleReports()
	more[3].Transport = "rabbit"
	more[3].Runs = append(more[3].Runs, Run{Name: "other", MsgPerSec: 4_000,
		Latency: &Latency{P50: 0, P90: 1, P99: 2, Max: 3}})
	reports = append(reports, more...)
	var buf bytes.Buffer
	require.NoError(t, Render(&buf, reports, WithSize(900, 500)))
	assert.Equal(t, image.Rect(0, 0, 900, 500), decode(t, buf.Bytes()).Bounds())
}

func TestRenderErrors(t *testing.T) {
	noRuns := sampleReports()
	noRuns[2].Runs = nil
	nan := sampleReports()
	nan[0].Runs[1].MsgPerSec = math.NaN()
	negLatency := sampleReports()
	negLatency[3].Runs[0].Latency.P99 = -1
	dup := sampleReports()
	dup[1].Runs[1].Name = "hark"
	unnamed := sampleReports()
	unnamed[1].Runs[0].Name = ""

	for _, tc := range []struct {
		name    string
		reports []Report
		opts    []Option
		want    error
		mention string
	}{
		{"nil", nil, nil, ErrNoReports, "no reports"},
		{"empty", []Report{}, nil, ErrNoReports, "no reports"},
		{"no runs", noRuns, nil, ErrNoRuns, "reports[2] (nats-core drain)"},
		{"NaN", nan, nil, ErrInvalidReport, `"bare"`},
		{"negative latency", negLatency, nil, ErrInvalidReport, "reports[3] (nats-jetstream steady)"},
		{"duplicate", dup, nil, ErrInvalidReport, `two runs named "hark"`},
		{"unnamed", unnamed, nil, ErrInvalidReport, "no name"},
		{"zero size", sampleReports(), []Option{WithSize(0, 0)}, ErrInvalidSize, "0x0"},
		{"too narrow", sampleReports(), []Option{WithSize(639, 600)}, ErrInvalidSize, "639x600"},
		{"too low", sampleReports(), []Option{WithSize(1400, 399)}, ErrInvalidSize, "1400x399"},
		{"huge", sampleReports(), []Option{WithSize(100_000, 600)}, ErrInvalidSize, "100000x600"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Render(&buf, tc.reports, tc.opts...)
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.mention)
			assert.Zero(t, buf.Len(), "wrote output despite the error")
		})
	}
}

// failingWriter fails every write.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestRenderWriteError(t *testing.T) {
	boom := errors.New("boom")
	err := Render(failingWriter{boom}, sampleReports())
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "writing PNG")
}

func TestContenderOrderAndColours(t *testing.T) {
	reports := []Report{
		{Runs: []Run{{Name: "x"}, {Name: "oslo"}, {Name: "bare"}}},
		{Runs: []Run{{Name: "hark"}, {Name: "y"}}},
	}
	order := contenderOrder(reports)
	assert.Equal(t, []string{"hark", "bare", "oslo", "x", "y"}, order)
	p := newPalette(order)
	assert.Len(t, p, 5)
	distinct := make(map[color.Color]bool)
	for _, c := range p {
		distinct[c] = true
	}
	assert.Len(t, distinct, 5)
	assert.Equal(t, p["hark"], newPalette([]string{"bare", "hark"})["hark"], "hark's colour does not depend on the others")
}

// The contenders of --harkd and the second bare baseline have places and
// colours of their own; a report with them, and latency for some, renders.
func TestNewContenders(t *testing.T) {
	reports := []Report{
		{Scenario: "drain", Transport: "nats-jetstream", Runs: []Run{
			{Name: "bare", MsgPerSec: 30_000}, {Name: "bare-envelope", MsgPerSec: 33_000},
			{Name: "hark", MsgPerSec: 20_000}, {Name: "harkd", MsgPerSec: 18_000},
		}},
		{Scenario: "steady", Transport: "memory", Runs: []Run{
			{Name: "bare-envelope", MsgPerSec: 5000, Latency: &Latency{P50: 100, P90: 200, P99: 300, Max: 400}},
			{Name: "hark", MsgPerSec: 5000, Latency: &Latency{P50: 110, P90: 210, P99: 310, Max: 410}},
		}},
	}
	order := contenderOrder(reports)
	assert.Equal(t, []string{"hark", "harkd", "bare", "bare-envelope"}, order)
	p := newPalette(append(order, "oslo", "x"))
	distinct := make(map[color.Color]bool)
	for _, c := range p {
		distinct[c] = true
	}
	assert.Len(t, distinct, 6, "every contender has a colour of its own")
	var buf bytes.Buffer
	require.NoError(t, Render(&buf, reports, WithSize(900, 500)))
	img, err := png.Decode(&buf)
	require.NoError(t, err)
	assert.Equal(t, 900, img.Bounds().Dx())
}

func TestReportLabels(t *testing.T) {
	reports := []Report{
		{Transport: "rabbit", Scenario: "drain"},
		{Transport: "rabbit", Scenario: "drain"},
		{Transport: "", Scenario: "steady"},
	}
	assert.Equal(t, [][]string{{"rabbit", "drain"}, {"rabbit", "drain #2"}, {"?", "steady"}}, reportLabels(reports))
}

func TestFormat(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 950: "950", 999.4: "999", 999.6: "1.0k", 51_230: "51.2k",
		999_949: "999.9k", 999_960: "1.00M", 1_250_000: "1.25M",
	} {
		assert.Equal(t, want, formatRate(v), "formatRate(%v)", v)
	}
	for v, want := range map[float64]string{
		0: "0.0µs", 4.2: "4.2µs", 310: "310µs", 999.6: "1.00ms", 1_250: "1.25ms",
		23_400: "23.4ms", 250_000: "250ms", 1_500_000: "1.50s",
	} {
		assert.Equal(t, want, formatMicros(v), "formatMicros(%v)", v)
	}
	for v, want := range map[float64]string{0: "0", 500: "500", 20_000: "20k", 1_500_000: "1.5M"} {
		assert.Equal(t, want, rateTick(v), "rateTick(%v)", v)
	}
	for v, want := range map[float64]string{10: "10µs", 100: "100µs", 1_000: "1ms", 10_000: "10ms", 1e6: "1s"} {
		assert.Equal(t, want, microsTick(v), "microsTick(%v)", v)
	}
}

// TestRenderFormats: WithFormat draws the same chart as SVG or PDF, and
// FormatOf reads the format from a file name.
func TestRenderFormats(t *testing.T) {
	for format, magic := range map[string]string{FormatPNG: "\x89PNG", FormatSVG: "<?xml", FormatPDF: "%PDF-"} {
		var buf bytes.Buffer
		require.NoError(t, Render(&buf, sampleReports(), WithFormat(format)), format)
		assert.True(t, bytes.HasPrefix(buf.Bytes(), []byte(magic)), "%s starts %q", format, buf.Bytes()[:min(buf.Len(), 8)])
		if format == FormatSVG {
			assert.Contains(t, buf.String(), "<svg")
			assert.Contains(t, buf.String(), "hark bench", "the title is drawn")
		}
	}
	var buf bytes.Buffer
	err := Render(&buf, sampleReports(), WithFormat("gif"))
	require.ErrorIs(t, err, ErrInvalidFormat)
	assert.Zero(t, buf.Len())

	for name, want := range map[string]string{"a.png": FormatPNG, "dir/b.SVG": FormatSVG, "c.pdf": FormatPDF} {
		got, err := FormatOf(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
	for _, name := range []string{"bench", "bench.jpg", "-"} {
		_, err := FormatOf(name)
		assert.ErrorIs(t, err, ErrInvalidFormat, name)
	}
}
