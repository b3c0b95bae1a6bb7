package bench

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harkmq/hark/transport"
)

// Polling of the harkd processes.
const (
	// harkdReadyPoll is how often /readyz is asked while harkd starts:
	// often, as the clock starts at its first 200.
	harkdReadyPoll = 5 * time.Millisecond
	// harkdMetricsPoll is how often /metrics is read while harkd
	// consumes; the end of the round is seen at most this late.
	harkdMetricsPoll = 20 * time.Millisecond
	// harkdHTTPTimeout bounds one request to a harkd.
	harkdHTTPTimeout = 2 * time.Second
)

// harkdSide is the daemon as users run it: one harkd process per group
// (listener.pool set for a pool), each with a plain config
// (harkdConfigYAML). Sending and cleaning up are hark's (transportSide).
// Preparing is harkd's own: the processes are started until they are
// ready, which declares their groups on the broker the way this harkd
// binary does, and stopped again, as a listener that restarts; so the
// backlog waits for them even when the binary was built from other
// sources than this tool.
//
// The clock starts once every process answers /readyz with 200 (it
// consumes then); what they acknowledged before that, read from /metrics
// right after, is left out of the figure and reported as the warmup. The
// count comes from polling /metrics (harkMetricsPoll), the sum of
// hark_notifications_acked_total over priorities and processes. When the
// processes acknowledged everything before the clock could start, the
// round is timed from the processes' start instead, startup included.
type harkdSide struct {
	transportSide
	dir    string
	client *http.Client
	procs  []*harkdProc
	stats  *Process
}

func openHarkd(ctx context.Context, cfg *Config, n names, cleanup cleanupFunc) (*harkdSide, error) {
	dir, err := os.MkdirTemp("", "harkbench-harkd-")
	if err != nil {
		return nil, fmt.Errorf("bench: harkd config directory: %w", err)
	}
	ts, err := openTransportSide(ctx, cfg, n, transport.Priorities(), cleanup)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &harkdSide{
		transportSide: ts, dir: dir,
		client: &http.Client{Timeout: harkdHTTPTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 2}},
	}, nil
}

// prepare starts a harkd per group, waits until every one is ready
// (consuming, so its group exists on the broker), and stops them. NATS
// core keeps nothing for a group, so there it does nothing.
func (h *harkdSide) prepare(ctx context.Context, groups []string) error {
	if u, err := transport.ParseURL(h.cfg.URL); err == nil {
		if k, _ := kindOf(u); k == KindNATSCore {
			return nil
		}
	}
	if _, _, err := h.launch(ctx, groups, nil); err != nil {
		return fmt.Errorf("bench: prepare: %w", err)
	}
	var errs []error
	for _, p := range h.procs {
		errs = append(errs, p.stop(ctx))
	}
	h.procs = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bench: prepare: %w", err)
	}
	return nil
}

// launch starts a harkd per group and waits until all are ready. It
// returns when it started them and when the last was ready. A process
// that exits unasked after that fails t (when not nil). On failure every
// process is killed.
func (h *harkdSide) launch(ctx context.Context, groups []string, t *tally) (start, ready time.Time, err error) {
	h.procs = nil
	defer func() {
		if err != nil {
			for _, p := range h.procs {
				p.kill()
			}
		}
	}()
	start = time.Now()
	for i, g := range groups {
		p, err := h.start(i, g)
		if err != nil {
			return start, ready, err
		}
		h.procs = append(h.procs, p)
		if t != nil {
			go func() {
				<-p.exited
				if !p.stopping.Load() {
					t.fail(p.exitError())
				}
			}()
		}
	}
	ready, err = h.awaitReady(ctx, start)
	return start, ready, err
}

func (h *harkdSide) consume(ctx context.Context, groups []string, t *tally) (func(context.Context) error, error) {
	h.stats = nil
	start, ready, err := h.launch(ctx, groups, t)
	if err != nil {
		return nil, err
	}
	warmup, err := h.acked(ctx)
	if err != nil {
		for _, p := range h.procs {
			p.kill()
		}
		return nil, err
	}
	h.stats = &Process{Processes: len(h.procs), StartupSeconds: ready.Sub(start).Seconds()}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	if warmup >= t.want {
		// Done before the clock could start: time it from the start.
		h.finish(t, warmup, 0, time.Since(start))
		h.stats.ClockFromStart = true
	} else {
		t.external.Store(warmup)
		wg.Go(func() { h.poll(ctx, t, ready, warmup, quit) })
	}
	return func(ctx context.Context) error {
		close(quit)
		wg.Wait()
		var errs []error
		for _, p := range h.procs {
			errs = append(errs, p.stop(ctx))
		}
		h.client.CloseIdleConnections()
		return errors.Join(errs...)
	}, nil
}

// start writes the config of the i-th process, for group, and starts it.
func (h *harkdSide) start(i int, group string) (*harkdProc, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	conf, err := harkdConfigYAML(h.cfg, h.n, group, addr)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(h.dir, "harkd-"+strconv.Itoa(i+1)+".yaml")
	if err := os.WriteFile(file, conf, 0o600); err != nil {
		return nil, fmt.Errorf("bench: harkd config: %w", err)
	}
	return startHarkd(h.cfg.Harkd.Path, file, group, addr)
}

// awaitReady polls /readyz of every process until all answer 200, and
// returns when the last one did. It fails when a process exits, ctx is
// done, or Config.Stall passes first.
func (h *harkdSide) awaitReady(ctx context.Context, start time.Time) (time.Time, error) {
	pending := make([]*harkdProc, len(h.procs))
	copy(pending, h.procs)
	tick := time.NewTicker(harkdReadyPoll)
	defer tick.Stop()
	for {
		for i := 0; i < len(pending); {
			p := pending[i]
			if p.hasExited() {
				return time.Time{}, p.exitError()
			}
			if p.ready(ctx, h.client) {
				pending = append(pending[:i], pending[i+1:]...)
				continue
			}
			i++
		}
		if len(pending) == 0 {
			return time.Now(), nil
		}
		if time.Since(start) > h.cfg.Stall {
			return time.Time{}, fmt.Errorf("%w: %s did not answer /readyz with 200 within %s%s",
				ErrStalled, pending[0].what, h.cfg.Stall, pending[0].tail())
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-tick.C:
		}
	}
}

// acked is the sum of what every process acknowledged so far.
func (h *harkdSide) acked(ctx context.Context) (int64, error) {
	var sum int64
	for _, p := range h.procs {
		n, err := p.acked(ctx, h.client)
		if err != nil {
			if p.hasExited() {
				return 0, p.exitError()
			}
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// poll reads the processes' count every harkdMetricsPoll into t until it
// reaches t.want, then ends the round: warmup notifications were
// acknowledged by the time the clock started at ready. Failed reads are
// retried; a process that exits fails the round by itself, and one that
// stops answering makes the runner see a stall.
func (h *harkdSide) poll(ctx context.Context, t *tally, ready time.Time, warmup int64, quit <-chan struct{}) {
	tick := time.NewTicker(harkdMetricsPoll)
	defer tick.Stop()
	for {
		select {
		case <-quit:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := h.acked(ctx)
		if err != nil {
			continue
		}
		t.external.Store(n)
		if n >= t.want {
			h.finish(t, n, warmup, time.Since(ready))
			return
		}
	}
}

// finish records the processes' usage and ends t's count.
func (h *harkdSide) finish(t *tally, handled, warmup int64, d time.Duration) {
	for _, p := range h.procs {
		u, err := readProcUsage(p.cmd.Process.Pid)
		if err != nil {
			continue // no /proc here: the figures stay out of the report
		}
		h.stats.PeakRSSBytes = max(h.stats.PeakRSSBytes, u.peakRSS)
		h.stats.CPUSeconds += u.cpu.Seconds()
	}
	t.finishWindow(handled, warmup, max(d, time.Nanosecond))
}

func (h *harkdSide) processStats() *Process { return h.stats }

func (h *harkdSide) diagnostics() string {
	var b strings.Builder
	for _, p := range h.procs {
		b.WriteString(p.tail())
	}
	return b.String()
}

func (h *harkdSide) close(ctx context.Context) error {
	return errors.Join(h.transportSide.close(ctx), os.RemoveAll(h.dir))
}

// harkdClient describes the harkd contender: the binary's version (from
// its build information) and path, and the settings of its config.
func harkdClient(cfg *Config) string {
	v := "(unknown version)"
	if bi, err := buildinfo.ReadFile(cfg.Harkd.Path); err == nil {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
	}
	settings := []string{"log endpoint (all priorities)"}
	if cfg.Harkd.Executor != "" {
		settings = append(settings, "executor "+cfg.Harkd.Executor)
	}
	if cfg.Harkd.Workers > 0 {
		settings = append(settings, "workers "+strconv.Itoa(cfg.Harkd.Workers))
	}
	if cfg.Harkd.Prefetch > 0 {
		settings = append(settings, "prefetch "+strconv.Itoa(cfg.Harkd.Prefetch))
	}
	if cfg.Batch > 0 {
		settings = append(settings, "batch "+strconv.Itoa(cfg.Batch))
	}
	if u, err := transport.ParseURL(cfg.URL); err == nil {
		if k, _ := kindOf(u); k == KindNATSCore {
			settings = append(settings, "requeue off")
		}
	}
	if len(settings) == 1 {
		settings = append(settings, "listener defaults")
	}
	return "harkd " + v + " " + cfg.Harkd.Path + ": " + strings.Join(settings, ", ")
}
