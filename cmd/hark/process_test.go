package main

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// beHarkEnv makes the test binary run hark's main instead of the tests,
// so tests can run the real program, signals and all, as a subprocess.
const beHarkEnv = "HARK_TEST_BE_HARK"

func TestMain(m *testing.M) {
	if os.Getenv(beHarkEnv) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// process is hark running as a subprocess.
type process struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error // Wait's, once done is closed
}

// startProcess runs hark with args as a subprocess; it is killed at
// cleanup if still running.
func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), beHarkEnv+"=1")
	p := &process{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &syncBuffer{}, p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitStderr waits until the process's stderr contains s.
func (p *process) waitStderr(t *testing.T, s string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(p.stderr.String(), s) }, 20*time.Second, 10*time.Millisecond,
		"stderr never contained %q; it is:\n%s", s, p.stderr.String())
}

// signal sends sig and waits for the process to end, returning its exit
// code (-1 when a signal killed it).
func (p *process) signal(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("hark did not end within 20s of %s; stderr:\n%s", sig, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}
