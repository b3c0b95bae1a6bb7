// Package examples_test keeps the programs in examples/ and the snippets in
// README.md from rotting: it builds and runs every program, checking what
// it prints, asserts that every Go and YAML block of the README is the file
// its "<!-- file: PATH -->" line names, and has harkd --check every YAML
// config among them.
package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// root is the module root, relative to this package's directory.
const root = ".."

// runTimeout bounds one example program: each takes well under a second.
const runTimeout = 2 * time.Minute

// readmeBlock is a fenced code block of README.md.
type readmeBlock struct {
	lang, file, body string
	line             int // of the opening fence
}

var fileMarker = regexp.MustCompile(`^<!-- file: (\S+) -->$`)

// readmeBlocks returns README.md's fenced code blocks, each with the file
// its marker line (the line before the fence) names, if any.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	var (
		blocks []readmeBlock
		cur    *readmeBlock
		prev   string
	)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimPrefix(line, "```"), line: n}
			if m := fileMarker.FindStringSubmatch(prev); m != nil {
				cur.file = m[1]
			}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.body += line + "\n"
		}
		prev = line
	}
	require.NoError(t, sc.Err())
	require.Nil(t, cur, "README.md: a code block is not closed")
	return blocks
}

// TestReadmeBlocksAreFiles: every Go and YAML block of README.md is a file
// of the repository, byte for byte, so what the README shows is what the
// other tests compile, run and check.
func TestReadmeBlocksAreFiles(t *testing.T) {
	n := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "go" && b.lang != "yaml" {
			continue
		}
		n++
		if !assert.NotEmpty(t, b.file, "README.md:%d: a %s block without a <!-- file: PATH --> line before it", b.line, b.lang) {
			continue
		}
		want, err := os.ReadFile(filepath.Join(root, b.file))
		if assert.NoError(t, err, "README.md:%d", b.line) {
			assert.Equal(t, string(want), b.body, "README.md:%d differs from %s", b.line, b.file)
		}
	}
	assert.NotZero(t, n, "README.md has no Go or YAML block")
}

// build compiles the packages (paths relative to the module root) into a
// temporary directory and returns it.
func build(t *testing.T, pkgs ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to build the examples with")
	}
	dir := t.TempDir()
	args := append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)
	cmd := exec.Command(goBin, args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return dir
}

// runProgram runs bin with a timeout and an empty environment, and
// returns its standard output; it fails the test on a non-zero exit.
func runProgram(t *testing.T, bin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// TestExamples builds every program in examples/ and harkd (in one go
// build: linking dominates), runs each program, checking what it prints,
// and has harkd --check every YAML config in examples/ and the README.
func TestExamples(t *testing.T) {
	checks := map[string]func(t *testing.T, lines []string){
		"quickstart": func(t *testing.T, lines []string) {
			slices.Sort(lines)
			assert.Equal(t, []string{
				"error compute.instance.create.error, delivery 1: requeued",
				"error compute.instance.create.error, delivery 2: handled",
				"info compute.instance.create.end from compute.host1: instance i-1",
			}, lines)
		},
		"pools": func(t *testing.T, lines []string) {
			require.NotEmpty(t, lines)
			assert.Equal(t, "pool billing received 10 of 10, pool audit 10 of 10", lines[len(lines)-1])
		},
		"batch": func(t *testing.T, lines []string) {
			re := regexp.MustCompile(`^batch of +(\d+) samples, mean 4\.5$`)
			total := 0
			for _, l := range lines {
				m := re.FindStringSubmatch(l)
				if !assert.NotNil(t, m, "unexpected line %q", l) {
					continue
				}
				size, _ := strconv.Atoi(m[1])
				assert.LessOrEqual(t, size, 50, l)
				total += size
			}
			assert.Equal(t, 120, total, "samples over all batches")
		},
		"deadletter": func(t *testing.T, lines []string) {
			require.Len(t, lines, 5)
			for i, l := range lines[:3] {
				assert.Regexp(t, `^delivery `+strconv.Itoa(i+1)+` of \S+: failing$`, l)
			}
			assert.Equal(t, `dead-lettered after 3 deliveries: reason=max_deliveries endpoint=flaky last_error="database unavailable"`, lines[3])
			assert.Regexp(t, `^original body kept \(\d+ bytes\), replay to openstack/notifications priority info$`, lines[4])
		},
	}
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var pkgs []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(e.Name(), "main.go")); err == nil {
			pkgs = append(pkgs, "./examples/"+e.Name())
			_, ok := checks[e.Name()]
			assert.True(t, ok, "examples/%s has no check here: add one", e.Name())
		}
	}
	require.NotEmpty(t, pkgs)
	bin := build(t, append(pkgs, "./cmd/harkd")...)
	for name, check := range checks {
		t.Run("run/"+name, func(t *testing.T) {
			out, errOut, err := runProgram(t, filepath.Join(bin, name))
			require.NoError(t, err, "stderr: %s", errOut)
			check(t, strings.Split(strings.TrimSuffix(out, "\n"), "\n"))
		})
	}
	checkConfigs(t, filepath.Join(bin, "harkd"))
}

// checkConfigs has harkd --check every YAML config in examples/ and the
// README: each must load with an empty environment (so a ${VAR} without
// a default is caught) and without a warning.
func checkConfigs(t *testing.T, harkd string) {
	files := map[string]bool{}
	for _, b := range readmeBlocks(t) {
		if b.lang == "yaml" && b.file != "" {
			files[b.file] = true
		}
	}
	found, err := filepath.Glob("*/*.yaml")
	require.NoError(t, err)
	for _, f := range found {
		files["examples/"+f] = true
	}
	require.NotEmpty(t, files)
	for f := range files {
		t.Run("check/"+f, func(t *testing.T) {
			abs, err := filepath.Abs(filepath.Join(root, f))
			require.NoError(t, err)
			_, errOut, err := runProgram(t, harkd, "--config", abs, "--check")
			require.NoError(t, err, "harkd --check %s: %s", f, errOut)
			assert.NotContains(t, errOut, "warning", "harkd --check %s", f)
			assert.Contains(t, errOut, "is valid")
		})
	}
}
