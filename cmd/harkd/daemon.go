package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/health"
	"github.com/harkmq/hark/cmd/internal/metrics"
	"github.com/harkmq/hark/cmd/internal/redact"
	"github.com/harkmq/hark/cmd/internal/transports"
	"github.com/harkmq/hark/internal/backoff"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/nats/embedded"
	"github.com/harkmq/hark/transport/oslo"
)

// Bounds of the shutdown steps after the listener has finished.
const (
	closeTimeout = 10 * time.Second
	httpTimeout  = 2 * time.Second
)

// daemon is one run of harkd. Apart from the atomics that the HTTP
// handlers read, its fields belong to the goroutine running run: startup,
// reloads and shutdown happen one after another there, driven by signals.
type daemon struct {
	log    *zap.Logger
	level  zap.AtomicLevel
	stdout io.Writer
	stderr io.Writer
	load   func() (*config.Config, error)
	// redactor knows the secrets of every config loaded so far; the
	// logger, the endpoints' errors, readiness answers, metric labels and
	// what is printed on stderr go through it.
	redactor *redact.Redactor
	sigs     chan os.Signal
	version  string

	cfg      *config.Config
	metrics  *metrics.Metrics
	url      string // the transport URL in use (the embedded server's when transport_url is empty)
	embedded *embedded.Server
	httpSrv  *http.Server
	tr       transport.Transport
	cur      *generation
	// budget bounds the memory every listener's decompressions hold at
	// once (nil: each listener has its own).
	budget *oslo.DecompressionBudget
	// pendingReload records a SIGHUP received during startup.
	pendingReload bool

	// conn is what readiness reports about the transport.
	conn atomic.Pointer[connState]
	// status is "" while the listener consumes, else what it is doing
	// instead ("starting", "reloading", "stopping").
	status atomic.Pointer[string]
}

// connState is the transport as readiness sees it.
type connState struct {
	tr  transport.Transport // nil until connected
	err error               // the last connection error while not connected
}

func (d *daemon) setStatus(s string) { d.status.Store(&s) }

// printError writes a fatal error on stderr, redacted (it is not logged).
func (d *daemon) printError(msg string) {
	fmt.Fprintf(d.stderr, "harkd: %s\n", d.redactor.String(msg))
}

// run starts everything, serves signals until a stop, and returns the exit
// code.
func (d *daemon) run(cfg *config.Config) int {
	d.cfg = cfg
	d.metrics = metrics.New(metrics.WithLabelRedactor(d.redactor.String))
	d.setStatus("starting")
	d.conn.Store(&connState{err: errors.New("not connected yet")})
	d.metrics.SetTransportCheck(func() bool { return d.transportErr() == nil })
	for _, w := range cfg.Warnings {
		d.log.Warn(w)
	}
	d.log.Info("harkd starting", zap.String("version", d.version))

	if err := d.startHTTP(); err != nil {
		d.printError(err.Error())
		return exitFailure
	}
	defer d.stopHTTP()

	if cfg.TransportURL == "" {
		srv, err := transports.StartEmbedded(transports.EmbeddedConfig{Listen: cfg.Embedded.Listen, StoreDir: cfg.Embedded.StoreDir},
			d.log.Named("nats-server").WithOptions(zap.IncreaseLevel(zap.WarnLevel)))
		if err != nil {
			d.printError(embeddedError(cfg.Embedded.Listen, err))
			return exitFailure
		}
		d.embedded = srv
		d.url = srv.ClientURL()
		d.log.Info("embedded NATS server started", zap.String("url", d.url), zap.String("store_dir", cfg.Embedded.StoreDir))
		defer d.stopEmbedded()
	} else {
		d.url = cfg.TransportURL
	}

	code, stopped := d.startup()
	if stopped {
		return code
	}
	d.ready()
	if d.pendingReload {
		d.pendingReload = false
		d.reload()
	}

	for sig := range d.sigs {
		if sig == syscall.SIGHUP {
			d.reload()
			continue
		}
		return d.shutdown(sig)
	}
	return exitOK
}

// startup connects and starts the listener, retrying while the broker is
// unreachable. A SIGINT/SIGTERM meanwhile ends it (stopped is true and
// code the exit code); a SIGHUP reloads the config it will start with.
func (d *daemon) startup() (code int, stopped bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if timeout := d.cfg.StartupTimeout.D(); timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, timeout, errStartupTimeout)
		defer stop()
	}
	type result struct {
		g   *generation
		err error
	}
	done := make(chan result, 1)
	begin := func(cfg *config.Config) {
		go func() {
			g, err := d.connectAndStart(ctx, cfg)
			done <- result{g, err}
		}()
	}
	begin(d.cfg)
	for {
		select {
		case r := <-done:
			if r.err != nil {
				if errors.Is(context.Cause(ctx), errStartupTimeout) {
					d.log.Error("not ready within startup_timeout; exiting", zap.Duration("startup_timeout", d.cfg.StartupTimeout.D()), zap.Error(r.err))
					fmt.Fprintf(d.stderr, "harkd: not ready within startup_timeout (%s): %v\n", d.cfg.StartupTimeout, r.err)
					d.closeTransport()
					return exitFailure, true
				}
				if ctx.Err() != nil {
					return exitOK, true
				}
				d.printError(r.err.Error())
				d.closeTransport()
				return exitFailure, true
			}
			d.cur = r.g
			return exitOK, false
		case sig := <-d.sigs:
			if sig == syscall.SIGHUP {
				// Reloading means replacing a running listener: do it
				// once there is one.
				d.log.Info("SIGHUP while starting: the config will be reloaded once the listener runs")
				d.pendingReload = true
				continue
			}
			d.log.Info("stopping before the listener started", zap.String("signal", sig.String()))
			cancel()
			if r := <-done; r.g != nil {
				stopCtx, c := context.WithTimeout(context.Background(), d.cfg.Listener.ShutdownTimeout.D())
				_ = r.g.stop(stopCtx)
				c()
				r.g.close(d.log)
			}
			d.closeTransport()
			return exitOK, true
		}
	}
}

// connectAndStart connects (once) and starts a listener for cfg, both
// with retries until ctx is done.
func (d *daemon) connectAndStart(ctx context.Context, cfg *config.Config) (*generation, error) {
	if d.tr == nil {
		tr, err := d.connect(ctx)
		if err != nil {
			return nil, err
		}
		d.tr = tr
		d.conn.Store(&connState{tr: tr})
	}
	var g *generation
	err := retry(ctx, d.log, "start the listener", func(ctx context.Context) (bool, error) {
		var err error
		g, err = d.newGeneration(cfg)
		if err != nil {
			return false, err // a config problem: retrying cannot fix it
		}
		if err := g.start(ctx); err != nil {
			g.close(d.log)
			return true, err
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// connect opens the transport, retrying with backoff while the broker is
// unreachable, and logging why; /readyz reports the error meanwhile.
func (d *daemon) connect(ctx context.Context) (transport.Transport, error) {
	redacted := redactURL(d.url)
	var tr transport.Transport
	err := retry(ctx, d.log, "connect to "+redacted, func(ctx context.Context) (bool, error) {
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var err error
		tr, err = transports.Open(octx, d.url, d.log.Named("transport"))
		if err == nil {
			return false, nil
		}
		if errors.Is(err, transport.ErrInvalidURL) || errors.Is(err, transport.ErrUnknownScheme) || errors.Is(err, transport.ErrInvalidConfig) {
			return false, err
		}
		d.conn.Store(&connState{err: fmt.Errorf("connecting to %s: %w", redacted, err)})
		return true, err
	})
	if err != nil {
		return nil, err
	}
	d.log.Info("connected", zap.String("url", redacted))
	return tr, nil
}

// errStartupTimeout is the cause of the startup context's end when
// startup_timeout passes.
var errStartupTimeout = errors.New("startup_timeout passed")

// retry calls f until it succeeds, returns a permanent error (again is
// false), or ctx is done. Waits double from half a second to 30 seconds.
// The first failure is logged at ERROR, with the promise to keep trying,
// the later ones at WARN; refused credentials at ERROR every time, since
// only an operator can fix them. When ctx ends, the error wraps the last
// failure, so a startup that times out says why it was not ready.
func retry(ctx context.Context, log *zap.Logger, what string, f func(context.Context) (again bool, err error)) error {
	schedule := backoff.Exponential{Start: 500 * time.Millisecond, Max: 30 * time.Second}
	var last error // the last failure of an attempt that ctx did not cut short
	for attempt := 1; ; attempt++ {
		again, err := f(ctx)
		if err == nil {
			if attempt > 1 {
				log.Info("succeeded after retrying: "+what, zap.Int("attempts", attempt))
			}
			return nil
		}
		if ctx.Err() != nil {
			if last == nil {
				last = err
			}
			return fmt.Errorf("cannot %s: %w", what, last)
		}
		last = err
		if !again {
			return fmt.Errorf("cannot %s: %w", what, err)
		}
		lvl, msg := zapcore.WarnLevel, "cannot "+what+"; retrying (readiness reports 503 until it works)"
		if attempt == 1 {
			lvl = zapcore.ErrorLevel
		}
		if errors.Is(err, transport.ErrCredentialsRefused) {
			lvl, msg = zapcore.ErrorLevel, "cannot "+what+": credentials refused; fix the user or password (on the broker or in transport_url); retrying meanwhile (readiness reports 503, startup_timeout can bound the wait)"
		}
		delay := schedule.Delay(attempt)
		log.Log(lvl, msg, zap.Error(err), zap.Int("attempt", attempt), zap.Duration("retry_in", delay))
		if !backoff.Sleep(ctx, delay, nil) {
			return fmt.Errorf("cannot %s: %w", what, last)
		}
	}
}

// ready announces that harkd consumes.
func (d *daemon) ready() {
	d.setStatus("")
	var targets []string
	for _, t := range d.cfg.Listener.Targets {
		targets = append(targets, t.Target().WithDefaultExchange(d.tr.DefaultExchange()).String())
	}
	d.log.Info("listening", zap.String("url", redactURL(d.url)), zap.Strings("targets", targets),
		zap.String("pool", d.cfg.Listener.Pool), zap.Strings("endpoints", endpointNames(d.cfg)),
		zap.String("http", d.cfg.HTTP.Listen))
	if d.embedded != nil && len(d.cfg.Listener.Targets) > 0 {
		fmt.Fprintln(d.stdout, sendHint(d.url, d.cfg.Listener.Targets[0]))
	}
}

// sendHint is the one line that tells a new user how to send harkd a
// notification.
func sendHint(url string, t config.Target) string {
	var flags []string
	if url != transports.DefaultURL {
		flags = append(flags, "--url "+url)
	}
	if t.Exchange != "" && t.Exchange != "openstack" {
		flags = append(flags, "--exchange "+t.Exchange)
	}
	if t.Topic != "notifications" {
		flags = append(flags, "--topic "+t.Topic)
	}
	flags = append(flags, `--event-type compute.instance.create.end --payload '{"instance_id": "i-1"}'`)
	return "harkd is ready (embedded NATS at " + url + "); send a notification with: hark notify " + strings.Join(flags, " ")
}

// shutdown stops intake, lets in-flight notifications finish within
// shutdown_timeout, settles them, and releases everything. A second
// SIGINT/SIGTERM meanwhile exits at once.
func (d *daemon) shutdown(sig os.Signal) int {
	timeout := d.cfg.Listener.ShutdownTimeout.D()
	d.log.Info("stopping: intake stopped, finishing in-flight notifications (a second signal forces the exit)",
		zap.String("signal", sig.String()), zap.Duration("shutdown_timeout", timeout))
	d.setStatus("stopping")
	code := exitOK
	if d.cur != nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		done := make(chan error, 1)
		go func() { done <- d.cur.stop(ctx) }()
	wait:
		for {
			select {
			case err := <-done:
				if err != nil {
					d.log.Error("shutdown_timeout passed with notifications still in flight; the broker will redeliver them",
						zap.Duration("shutdown_timeout", timeout), zap.Error(err))
					code = exitFailure
				}
				break wait
			case s := <-d.sigs:
				if s == syscall.SIGHUP {
					continue
				}
				d.log.Warn("second signal: exiting now; unsettled notifications go back to the broker", zap.String("signal", s.String()))
				cancel()
				return exitFailure
			}
		}
		cancel()
		d.cur.close(d.log)
	}
	d.closeTransport()
	d.log.Info("stopped")
	return code
}

func (d *daemon) closeTransport() {
	if d.tr == nil {
		return
	}
	done := make(chan error, 1)
	go func() { done <- d.tr.Close() }()
	select {
	case err := <-done:
		if err != nil {
			d.log.Warn("closing the transport", zap.Error(err))
		}
	case <-time.After(closeTimeout):
		d.log.Warn("the transport did not close in time", zap.Duration("timeout", closeTimeout))
	}
	d.conn.Store(&connState{err: errors.New("closed")})
	d.tr = nil
}

func (d *daemon) stopEmbedded() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if err := d.embedded.Shutdown(ctx); err != nil {
		d.log.Warn("stopping the embedded NATS server", zap.Error(err))
	}
}

// startHTTP binds the operations server's address at once, so a taken
// port is a clear startup error, and serves in the background.
func (d *daemon) startHTTP() error {
	addr := d.cfg.HTTP.Listen
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot serve /metrics, /healthz and /readyz on %s: the address is in use (is another harkd running?). "+
				"Pick another with http.listen in the config, HARK_HTTP__LISTEN=127.0.0.1:9091 or --http-listen 127.0.0.1:9091 (\"\" turns the server off)", addr)
		}
		return fmt.Errorf("cannot serve /metrics, /healthz and /readyz on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", d.metrics.Handler())
	health.Register(mux,
		health.Check{Name: "transport", Func: func() error { return d.redactor.Error(d.transportErr()) }},
		health.Check{Name: "listener", Func: d.listenerErr},
	)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "harkd: /metrics /healthz /readyz\n")
	})
	d.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := d.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("operations HTTP server stopped", zap.Error(err))
		}
	}()
	d.log.Info("serving /metrics, /healthz and /readyz", zap.String("addr", ln.Addr().String()))
	return nil
}

func (d *daemon) stopHTTP() {
	if d.httpSrv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), httpTimeout)
	defer cancel()
	_ = d.httpSrv.Shutdown(ctx)
}

// transportErr is the transport readiness check.
func (d *daemon) transportErr() error {
	c := d.conn.Load()
	if c.tr == nil {
		return c.err
	}
	return transport.CheckHealth(c.tr)
}

// listenerErr is the listener readiness check.
func (d *daemon) listenerErr() error {
	if s := *d.status.Load(); s != "" {
		return errors.New("not consuming: " + s)
	}
	return nil
}

// embeddedError words a failure to start the embedded server, with what
// to do about a taken port.
func embeddedError(listen string, err error) string {
	if errors.Is(err, transports.ErrAddrInUse) {
		return fmt.Sprintf("cannot start the embedded NATS server on %s: the address is in use (is another harkd or NATS server running?). "+
			"Pick another address with embedded.listen in the config, HARK_EMBEDDED__LISTEN=127.0.0.1:4223, "+
			"or use the server already there with --transport-url nats://%s; "+
			"hark reaches a moved server with --url, $HARK_TRANSPORT_URL or $NATS_URL", listen, listen)
	}
	return fmt.Sprintf("cannot start the embedded NATS server: %v", err)
}

func redactURL(raw string) string { return config.RedactTransportURL(raw) }

func endpointNames(c *config.Config) []string {
	names := make([]string, len(c.Endpoints))
	for i, e := range c.Endpoints {
		names[i] = e.Name + " (" + e.Type + ")"
	}
	return names
}
