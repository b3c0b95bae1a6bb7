package main

// Helpers of the end-to-end tests: they build the real harkd and hark
// binaries once (TestMain), run them as subprocesses on loopback with free
// ports and temporary directories, and look at what a user sees: exit
// codes, output, files, HTTP endpoints.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binaries are the programs TestMain built.
var binaries struct {
	harkd, hark string
	// harkErr says why hark did not build (the CLI is developed
	// alongside); tests that need it skip with this message.
	harkErr string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "harkd-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		binaries.harkd = filepath.Join(dir, "harkd")
		if out, err := goBuild(binaries.harkd, "."); err != nil {
			fmt.Fprintf(os.Stderr, "building harkd: %v\n%s", err, out)
			return 1
		}
		binaries.hark = filepath.Join(dir, "hark")
		if out, err := goBuild(binaries.hark, "../hark"); err != nil {
			binaries.harkErr = fmt.Sprintf("cmd/hark does not build (%v): %s", err, out)
		}
		return m.Run()
	}()
	os.Exit(code)
}

func goBuild(out, pkg string) ([]byte, error) {
	// TestMain runs before any test, so there is no t.Context().
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, "go", "build", "-o", out, pkg).CombinedOutput()
}

// needHark skips t when the hark CLI did not build.
func needHark(t *testing.T) {
	t.Helper()
	harkSourcesOnce.Do(statHarkSources)
	if binaries.harkErr != "" {
		t.Skip("skipping: this test needs the hark CLI; " + binaries.harkErr)
	}
}

// harkSourcesOnce guards statHarkSources.
var harkSourcesOnce sync.Once

// statHarkSources looks at cmd/hark's source files during the test run.
// go test caches a passing result keyed on the test binary and on the
// files the tests opened or stat'ed; the hark binary the tests run is
// built from sources the harkd test binary does not contain, so without
// this a change to cmd/hark alone would replay a stale cached pass.
func statHarkSources() {
	entries, _ := os.ReadDir("../hark")
	for _, e := range entries {
		_, _ = os.Stat(filepath.Join("../hark", e.Name()))
	}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// daemonProc is a running harkd.
type daemonProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error

	// natsURL and httpAddr are where this harkd's embedded server and
	// operations server listen.
	natsURL, httpAddr string
	dir               string
}

// harkdOpts configure startHarkd.
type harkdOpts struct {
	// config is the YAML config; "" = no --config.
	config string
	args   []string
	env    []string
	// dir is the working directory (default a new temp dir); the config is
	// written there as harkd.yaml.
	dir string
	// natsListen and httpListen default to free loopback ports.
	natsListen, httpListen string
}

// startHarkd starts harkd with an embedded NATS server and operations
// server on free loopback ports. The process is killed at cleanup if the
// test did not stop it.
func startHarkd(t *testing.T, o harkdOpts) *daemonProc {
	t.Helper()
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	if o.natsListen == "" {
		o.natsListen = freeAddr(t)
	}
	if o.httpListen == "" {
		o.httpListen = freeAddr(t)
	}
	args := append([]string{}, o.args...)
	if o.config != "" {
		path := filepath.Join(o.dir, "harkd.yaml")
		require.NoError(t, os.WriteFile(path, []byte(o.config), 0o600))
		args = append([]string{"--config", path}, args...)
	}
	p := &daemonProc{t: t, done: make(chan struct{}), natsURL: "nats://" + o.natsListen, httpAddr: o.httpListen, dir: o.dir}
	p.cmd = exec.Command(binaries.harkd, args...)
	p.cmd.Dir = o.dir
	p.cmd.Env = append(baseEnv(), "HARK_EMBEDDED__LISTEN="+o.natsListen, "HARK_HTTP__LISTEN="+o.httpListen)
	p.cmd.Env = append(p.cmd.Env, o.env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	require.NoError(t, p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("harkd stdout:\n%s", p.stdout.String())
			t.Logf("harkd stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// baseEnv is the test process's environment without HARK_* variables, so
// a developer's shell settings cannot change what the tests see.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HARK_") {
			env = append(env, kv)
		}
	}
	return env
}

// configPath is the config file startHarkd wrote.
func (p *daemonProc) configPath() string { return filepath.Join(p.dir, "harkd.yaml") }

// signal sends sig to harkd.
func (p *daemonProc) signal(sig syscall.Signal) {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(sig))
}

// wait waits up to d for harkd to exit and returns its exit code.
func (p *daemonProc) wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.t.Fatalf("harkd did not exit within %s", d)
	}
	return p.cmd.ProcessState.ExitCode()
}

// running reports whether harkd still runs.
func (p *daemonProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// get fetches http://<httpAddr><path>.
func (p *daemonProc) get(path string) (int, string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + p.httpAddr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// waitReady waits until /readyz answers 200.
func (p *daemonProc) waitReady(d time.Duration) {
	p.t.Helper()
	p.eventually(d, "harkd to be ready (/readyz 200)", func() bool {
		code, _, err := p.get("/readyz")
		return err == nil && code == 200
	})
}

// eventually polls cond every 20ms for up to d, failing with what.
func (p *daemonProc) eventually(d time.Duration, what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return
		}
		if !p.running() {
			p.t.Fatalf("harkd exited (%v) while waiting for %s", p.err, what)
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metric returns the value of the series named exactly series (name and
// labels as exposed, e.g. `hark_notifications_acked_total{priority="info"}`),
// or -1 when it is absent.
func (p *daemonProc) metric(series string) float64 {
	p.t.Helper()
	_, body, err := p.get("/metrics")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// waitMetric waits until series reaches at least want.
func (p *daemonProc) waitMetric(d time.Duration, series string, want float64) {
	p.t.Helper()
	p.eventually(d, fmt.Sprintf("%s >= %v", series, want), func() bool { return p.metric(series) >= want })
}

// waitLog waits until harkd's stderr contains s.
func (p *daemonProc) waitLog(d time.Duration, s string) {
	p.t.Helper()
	p.eventually(d, fmt.Sprintf("the log to contain %q", s), func() bool { return strings.Contains(p.stderr.String(), s) })
}

// hark runs the CLI with args against url and returns its stdout, stderr
// and exit code.
func hark(t *testing.T, url string, args ...string) (string, string, int) {
	t.Helper()
	needHark(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if url != "" {
		args = append(args, "--url", url)
	}
	cmd := exec.CommandContext(ctx, binaries.hark, args...)
	cmd.Env = baseEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "running hark %v: %v", args, err)
		code = ee.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}

// mustHark runs the CLI and fails the test unless it exits 0.
func mustHark(t *testing.T, url string, args ...string) string {
	t.Helper()
	out, errOut, code := hark(t, url, args...)
	require.Equal(t, 0, code, "hark %v failed:\nstdout: %s\nstderr: %s", args, out, errOut)
	return out
}

// readJSONLines reads a JSON Lines file; a missing file has no lines.
func readJSONLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "line %q", sc.Text())
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	return out
}

// runHarkd runs harkd to completion (for --check and startup failures).
func runHarkd(t *testing.T, dir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binaries.harkd, args...)
	cmd.Dir = dir
	cmd.Env = append(baseEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running harkd: %v", err)
		}
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}
