package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// harkdStopWait bounds a harkd process's graceful stop after SIGTERM; it
// is killed after that. (harkd's own shutdown_timeout is 30s.)
const harkdStopWait = 40 * time.Second

// harkdProc is one harkd process: started on a config file, watched until
// it exits, asked over HTTP whether it is ready and how many
// notifications it acknowledged.
type harkdProc struct {
	// what names the process in errors: "harkd" or "harkd (pool P)".
	what string
	cmd  *exec.Cmd
	// base is the URL of its operations server.
	base   string
	stderr *tailBuffer
	// exited is closed once the process exited; err is then how.
	exited chan struct{}
	err    error
	// stopping is set before it is asked to stop: an exit is then no
	// failure.
	stopping atomic.Bool
}

// startHarkd starts the harkd binary path on config file conf, whose
// operations server listens on httpListen.
func startHarkd(path, conf, group, httpListen string) (*harkdProc, error) {
	p := &harkdProc{what: "harkd", base: "http://" + httpListen, stderr: &tailBuffer{max: 8 << 10}, exited: make(chan struct{})}
	if group != "" {
		p.what += " (pool " + group + ")"
	}
	p.cmd = exec.Command(path, "--config", conf)
	p.cmd.Env = harkdEnviron(os.Environ())
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", p.what, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// harkdEnviron is environ without the HARK_* variables, which would
// override harkd's config file (HARK_LISTENER__WORKERS=...): harkd runs on
// the config the report describes, whatever the shell holds.
func harkdEnviron(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "HARK_") {
			out = append(out, kv)
		}
	}
	return out
}

// hasExited reports whether the process exited.
func (p *harkdProc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// exitError describes an exit nobody asked for, with the end of what the
// process wrote to standard error.
func (p *harkdProc) exitError() error {
	return fmt.Errorf("bench: %s exited early (%v)%s", p.what, p.err, p.tail())
}

// tail is the end of the process's standard error, on lines of its own
// ("" when it wrote nothing).
func (p *harkdProc) tail() string {
	s := strings.TrimSpace(p.stderr.String())
	if s == "" {
		return ""
	}
	return "; its standard error ends with:\n" + s
}

// ready reports whether /readyz answers 200.
func (p *harkdProc) ready(ctx context.Context, c *http.Client) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// ackedMetric is the counter acked reads, one series per priority.
const ackedMetric = "hark_notifications_acked_total"

// acked is the sum over priorities of hark_notifications_acked_total on
// /metrics.
func (p *harkdProc) acked(ctx context.Context, c *http.Client) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/metrics", nil)
	if err != nil {
		return 0, fmt.Errorf("bench: %s /metrics: %w", p.what, err)
	}
	// Uncompressed: gzip on every poll would cost harkd CPU that is the
	// measurement's, not the listener's.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("bench: %s /metrics: %w", p.what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("bench: %s /metrics: %s", p.what, resp.Status)
	}
	n, err := sumCounter(resp.Body, ackedMetric)
	if err != nil {
		return 0, fmt.Errorf("bench: %s /metrics: %w", p.what, err)
	}
	return n, nil
}

// sumCounter adds up the series of counter name in the Prometheus text
// exposition r holds: lines "name{labels} value" or "name value".
func sumCounter(r io.Reader, name string) (int64, error) {
	var sum float64
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		i := strings.LastIndexByte(rest, ' ')
		v, err := strconv.ParseFloat(rest[i+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("%q: %w", line, err)
		}
		sum += v
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return int64(sum), nil
}

// stop asks the process to stop (SIGTERM), waits for it, and kills it
// after harkdStopWait or when ctx is done. It fails when the process did
// not exit cleanly.
func (p *harkdProc) stop(ctx context.Context) error {
	p.stopping.Store(true)
	if p.hasExited() {
		if p.err != nil {
			return p.exitError()
		}
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = p.cmd.Process.Kill()
	}
	t := time.NewTimer(harkdStopWait)
	defer t.Stop()
	select {
	case <-p.exited:
		if p.err != nil {
			return fmt.Errorf("bench: %s did not stop cleanly on SIGTERM (%v)%s", p.what, p.err, p.tail())
		}
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	return fmt.Errorf("bench: %s did not stop within %s of SIGTERM; killed it%s", p.what, harkdStopWait, p.tail())
}

// kill ends the process at once (a round that failed to start).
func (p *harkdProc) kill() {
	p.stopping.Store(true)
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// freeLoopbackAddr returns a loopback address with a TCP port that was
// free a moment ago, for a harkd's operations server.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("bench: find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("bench: find a free port: %w", err)
	}
	return addr, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
