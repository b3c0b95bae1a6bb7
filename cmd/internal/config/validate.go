package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/cmd/internal/transports"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// Validate checks what the types cannot: names, ranges, URLs, regular
// expressions, and that the endpoints fit together. All problems are
// reported at once, each naming its key path and value.
func (c *Config) Validate() error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %w: %s", path, ErrInvalidValue, fmt.Sprintf(format, args...)))
	}

	if c.TransportURL != "" {
		if err := checkTransportURL(c.TransportURL); err != nil {
			add("transport_url", "%v", err)
		}
	} else {
		if err := checkHostPort(c.Embedded.Listen); err != nil {
			add("embedded.listen", "%q: %v", c.Embedded.Listen, err)
		}
		if c.Embedded.StoreDir == "" {
			add("embedded.store_dir", "empty: the embedded NATS server needs a directory for its data")
		}
	}

	if c.StartupTimeout < 0 {
		add("startup_timeout", "%s is negative (want 0 to retry forever, or e.g. 5m)", c.StartupTimeout)
	}
	for i, l := range c.Listeners() {
		c.validateListener("listener", i, l, add)
	}

	if len(c.Endpoints) == 0 {
		add("endpoints", "empty: give at least one endpoint (e.g. {type: log})")
	}
	names := map[string]int{}
	paths := map[string]int{}
	for i := range c.Endpoints {
		e := &c.Endpoints[i]
		path := fmt.Sprintf("endpoints[%d]", i)
		if e.Name == "" {
			e.Name = e.Type
		}
		if j, dup := names[e.Name]; dup {
			add(path+".name", "%q is also the name of endpoints[%d] (an unnamed endpoint is named after its type: give each a unique name)", e.Name, j)
		} else {
			names[e.Name] = i
		}
		errs = append(errs, e.validate(path, c)...)
		if e.File != nil && e.File.Path != "" {
			// Two endpoints appending to one file would each rotate it
			// under the other.
			p := filepath.Clean(e.File.Path)
			if j, dup := paths[p]; dup {
				add(path+".path", "%q is also the path of endpoints[%d]: give each file endpoint its own file", e.File.Path, j)
			} else {
				paths[p] = i
			}
		}
	}

	if c.HTTP.Listen != "" {
		if err := checkHostPort(c.HTTP.Listen); err != nil {
			add("http.listen", "%q: %v", c.HTTP.Listen, err)
		}
	}
	if c.Metrics.BacklogInterval < 0 {
		add("metrics.backlog_interval", "%s is negative (want 0 to turn hark_backlog_messages off, or e.g. 5s)", c.Metrics.BacklogInterval)
	}
	if _, err := zapcore.ParseLevel(c.Log.Level); err != nil || c.Log.Level == "" {
		add("log.level", "%q (valid: debug, info, warn, error)", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		add("log.format", "%q (valid: json, console)", c.Log.Format)
	}
	return errors.Join(errs...)
}

func (c *Config) validateListener(path string, _ int, l Listener, add func(path, format string, args ...any)) {
	if len(l.Targets) == 0 {
		add(path+".targets", "empty: give at least one {exchange, topic}")
	}
	for i, t := range l.Targets {
		if err := t.Target().ValidateListen(); err != nil {
			add(fmt.Sprintf("%s.targets[%d]", path, i), "%v", err)
		}
	}
	if l.Pool != "" {
		if err := target.CheckName("pool", l.Pool, false); err != nil {
			add(path+".pool", "%v", err)
		}
	}
	if _, err := transport.ParseStartPosition(l.Start); err != nil {
		add(path+".start", "%q (valid: \"\" for the transport's default, \"new\", \"all\", or an RFC 3339 time such as 2026-12-01T00:00:00Z)", l.Start)
	}
	if _, err := executor.ByName(l.Executor, l.Workers); err != nil {
		add(path+".executor", "%q (valid: %s)", l.Executor, strings.Join(executor.Names(), ", "))
	}
	if l.Workers < 1 {
		add(path+".workers", "%d (want 1 or more)", l.Workers)
	}
	if l.Prefetch < 0 {
		add(path+".prefetch", "%d (want 0 for the default, 2 x workers and at least 256, or more)", l.Prefetch)
	}
	if l.Batch.Size < 0 {
		add(path+".batch.size", "%d (want 0 for no batching, or more)", l.Batch.Size)
	}
	if l.Batch.Timeout < 0 {
		add(path+".batch.timeout", "%s is negative", l.Batch.Timeout)
	}
	if l.Requeue.MaxDeliveries < -1 {
		add(path+".requeue.max_deliveries", "%d (want -1 for no cap, 0 for the default, or more)", l.Requeue.MaxDeliveries)
	}
	for i, d := range l.Requeue.Backoff {
		if d < 0 {
			add(fmt.Sprintf("%s.requeue.backoff[%d]", path, i), "%s is negative", d)
		}
	}
	if l.DeadLetter.Topic != "" {
		if err := target.CheckName("topic", l.DeadLetter.Topic, true); err != nil {
			add(path+".dead_letter.topic", "%v", err)
		}
	}
	if l.Dedup.Size < 0 {
		add(path+".dedup.size", "%d is negative (want 0 to turn duplicate suppression off, or the most message ids to remember; default %d)", l.Dedup.Size, notify.DefaultDedupSize)
	}
	if l.Dedup.Window < 0 {
		add(path+".dedup.window", "%s is negative (want 0 for the default, 60s with the default 30s lease, or e.g. 2m)", l.Dedup.Window)
	}
	if l.ShutdownTimeout <= 0 {
		add(path+".shutdown_timeout", "%s (want a positive duration, e.g. 30s)", l.ShutdownTimeout)
	}
}

// validate checks one endpoint; path is "endpoints[i]".
func (e *Endpoint) validate(path string, c *Config) []error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %w: %s", path, key, ErrInvalidValue, fmt.Sprintf(format, args...)))
	}
	seen := map[transport.Priority]bool{}
	for i, p := range e.Priorities {
		pr, ok := transport.ParsePriority(p)
		if !ok {
			add(fmt.Sprintf("priorities[%d]", i), "unknown priority %q (valid: %s)", p, priorityNames())
			continue
		}
		if seen[pr] {
			add(fmt.Sprintf("priorities[%d]", i), "%q is listed twice", p)
		}
		seen[pr] = true
	}
	if _, err := dispatcher.NewFilter(e.Filter); err != nil {
		var fe *dispatcher.FilterError
		if errors.As(err, &fe) {
			add("filter."+fe.Field, "bad regular expression '%s': %v", fe.Pattern, fe.Err)
		} else {
			add("filter", "%v", err)
		}
	}

	switch e.Type {
	case TypeLog:
		if _, err := zapcore.ParseLevel(e.Log.Level); err != nil || e.Log.Level == "" {
			add("level", "%q (valid: debug, info, warn, error)", e.Log.Level)
		}
	case TypeFile:
		if e.File.Path == "" {
			add("path", "missing: a file endpoint needs the path of its JSON Lines file")
		}
		if e.File.MaxSize < 0 {
			add("max_size", "%d is negative", e.File.MaxSize)
		}
		if e.File.MaxFiles < 0 {
			add("max_files", "%d is negative", e.File.MaxFiles)
		}
	case TypeWebhook:
		w := e.Webhook
		if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("url", "%q is not an http:// or https:// URL", RedactURL(w.URL))
		}
		if w.Timeout <= 0 {
			add("timeout", "%s (want a positive duration, e.g. 5s)", w.Timeout)
		}
		if w.Retries < 0 {
			add("retries", "%d is negative", w.Retries)
		}
		if w.RetriesDelay < 0 {
			add("retries_delay", "%s is negative", w.RetriesDelay)
		}
		if w.SignatureHeader == "" {
			add("signature_header", "empty")
		}
	case TypeForward:
		f := e.Forward
		if f.TransportURL != "" {
			if err := checkTransportURL(f.TransportURL); err != nil {
				add("transport_url", "%v", err)
			}
		}
		dest := target.Target{Exchange: f.Exchange, Topic: f.Topic}
		if err := dest.ValidateSend(); err != nil {
			add("topic", "%v", err)
		}
		if f.Timeout <= 0 {
			add("timeout", "%s (want a positive duration, e.g. 10s)", f.Timeout)
		}
		if f.TransportURL == "" {
			// Forwarding to where we listen would loop forever.
			for _, l := range c.Listeners() {
				for _, t := range l.Targets {
					if exchangeOrDefault(t.Exchange) == exchangeOrDefault(f.Exchange) && t.Topic == f.Topic {
						add("topic", "%s/%s is a target this listener listens on: forwarding there would loop (set another topic, exchange or transport_url)", exchangeOrDefault(f.Exchange), f.Topic)
					}
				}
			}
		}
	case TypeExec:
		if len(e.Exec.Command) == 0 || e.Exec.Command[0] == "" {
			add("command", "missing: an exec endpoint needs a command, e.g. [/usr/local/bin/handle, --flag]")
		}
		if e.Exec.Timeout <= 0 {
			add("timeout", "%s (want a positive duration, e.g. 30s)", e.Exec.Timeout)
		}
	}
	return errs
}

// Target returns t as a target.Target.
func (t Target) Target() target.Target { return target.Target{Exchange: t.Exchange, Topic: t.Topic} }

// PriorityList returns the endpoint's priorities, parsed; all seven when
// none are configured. Call it on a validated config.
func (e *Endpoint) PriorityList() []transport.Priority {
	if len(e.Priorities) == 0 {
		return transport.Priorities()
	}
	out := make([]transport.Priority, 0, len(e.Priorities))
	for _, p := range e.Priorities {
		pr, _ := transport.ParsePriority(p)
		out = append(out, pr)
	}
	return out
}

func exchangeOrDefault(ex string) string {
	if ex == "" {
		return target.DefaultExchange
	}
	return ex
}

func priorityNames() string {
	var names []string
	for _, p := range transport.Priorities() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

// checkTransportURL parses u, checks its scheme is one the programs have
// a driver for, and has the driver check its options as opening it
// would, without connecting. The error never shows a password.
func checkTransportURL(raw string) error {
	u, err := transport.ParseURL(raw)
	if err != nil {
		return err
	}
	if !slices.Contains(transports.Schemes(), u.Driver) {
		return fmt.Errorf("%s: unknown scheme %q (valid: %s)", u.Redacted(), u.Driver, strings.Join(transports.Schemes(), ", "))
	}
	return transports.ValidateURL(raw)
}

// checkHostPort checks a "host:port" listen address.
func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number between 0 and 65535", port)
	}
	return nil
}
