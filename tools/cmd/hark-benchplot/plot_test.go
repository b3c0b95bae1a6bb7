package main

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// result is what one run of the command did.
type result struct {
	code     int
	out, err string
}

// runPlot runs the command in-process with stdin and args.
func runPlot(stdin string, args ...string) result {
	var out, errOut bytes.Buffer
	code := run(args, streams{in: strings.NewReader(stdin), out: &out, err: &errOut})
	return result{code: code, out: out.String(), err: errOut.String()}
}

// harkBench builds hark from the library's module, at the root of the
// repository this module lives in, and returns what "hark bench" prints
// for args. So the reports plotted here are what hark prints today, not a
// copy that could fall out of step with it.
func harkBench(t *testing.T, args ...string) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "the tools module lives in hark's repository, at tools/")
	require.True(t, bytes.HasPrefix(mod, []byte("module github.com/harkmq/hark\n")), "%s/go.mod is hark's", root)
	bin := filepath.Join(t.TempDir(), "hark")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/hark")
	build.Dir = root
	b, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/hark: %s", b)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, append([]string{"bench"}, args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "hark bench %v: %s", args, stderr.String())
	return string(out)
}

// TestPlot_hark_bench_output: the reports a hark built from this
// repository prints are charted in every format, from files or standard
// input; a bad line, extension or missing --output is named.
func TestPlot_hark_bench_output(t *testing.T) {
	drain := harkBench(t, "drain", "--url", "memory://", "--count", "500", "--rounds", "2", "--json", "--quiet")
	steady := harkBench(t, "steady", "--url", "memory://", "--rate", "1000", "--duration", "300ms", "--json", "--quiet")

	dir := t.TempDir()
	results := filepath.Join(dir, "results.jsonl")
	require.NoError(t, os.WriteFile(results, []byte(drain+"\n"+steady), 0o644))
	out := filepath.Join(dir, "bench.png")
	p := runPlot("", "-o", out, "--width", "900", "--height", "500", results)
	require.Equal(t, exitOK, p.code, "stderr: %s", p.err)
	assert.Contains(t, p.err, "2 reports")
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, 900, img.Bounds().Dx())

	// Reports on standard input work too; a line that is not one is named.
	p = runPlot(drain, "-o", filepath.Join(dir, "stdin.png"))
	require.Equal(t, exitOK, p.code, "stderr: %s", p.err)
	p = runPlot(drain+"\n{\"oops\": 1}\n", "-o", filepath.Join(dir, "bad.png"))
	assert.Equal(t, exitError, p.code)
	assert.Contains(t, p.err, "standard input:3: not a bench report")

	// "-o -" writes the PNG to standard output.
	p = runPlot(drain, "-o", "-")
	require.Equal(t, exitOK, p.code, "stderr: %s", p.err)
	img, err = png.Decode(strings.NewReader(p.out))
	require.NoError(t, err, "standard output holds a PNG")
	assert.Equal(t, 1400, img.Bounds().Dx())
	p = runPlot(drain, "-o", "-", "--format", "svg")
	require.Equal(t, exitOK, p.code, "stderr: %s", p.err)
	assert.True(t, strings.HasPrefix(p.out, "<?xml"), "SVG on standard output")

	// The extension gives the format.
	for ext, magic := range map[string]string{"svg": "<?xml", "pdf": "%PDF-", "PNG": "\x89PNG"} {
		out := filepath.Join(dir, "bench."+ext)
		p = runPlot("", "-o", out, results)
		require.Equal(t, exitOK, p.code, "stderr: %s", p.err)
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(b), magic), "%s starts %q", out, b[:min(len(b), 8)])
	}
	p = runPlot("", "-o", filepath.Join(dir, "bench.gif"), results)
	assert.Equal(t, exitUsage, p.code)
	assert.Contains(t, p.err, "the extension gives the format: .png, .svg or .pdf")
	p = runPlot(drain, "-o", filepath.Join(dir, "one.png"))
	assert.Contains(t, p.err, "(1 report)")
}

// TestUsage: a wrong command line exits 2 and points at --help.
func TestUsage(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"without output": {nil, "--output is required"},
		"unknown flag":   {[]string{"--bogus"}, "unknown flag: --bogus"},
		"bad size":       {[]string{"-o", "-", "--width", "0"}, "invalid image size"},
		"bad format":     {[]string{"-o", "-", "--format", "gif"}, "invalid image format"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runPlot("", tc.args...)
			assert.Equal(t, exitUsage, r.code, "stderr: %s", r.err)
			assert.Contains(t, r.err, tc.want)
			assert.Contains(t, r.err, "Run 'hark-benchplot --help' for usage.")
		})
	}
	r := runPlot("", "-o", "-", filepath.Join(t.TempDir(), "missing.jsonl"))
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.err, "missing.jsonl: no such file or directory")
}

// TestHelp names how to build the tool.
func TestHelp(t *testing.T) {
	r := runPlot("", "--help")
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.out, "go build -C tools -o /tmp/hark-benchplot ./cmd/hark-benchplot")
}
