package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/harkmq/hark/cmd/internal/transports"
)

// options are harkd's command-line flags.
type options struct {
	configFile   string
	transportURL string
	check        bool
	printConfig  bool
	logLevel     string
	logFormat    string
	httpListen   string
	help         bool
	version      bool

	// startupTimeout is --startup-timeout (config startup_timeout).
	startupTimeout time.Duration

	fs *pflag.FlagSet
}

const usageHeader = `harkd listens for oslo.messaging-style notifications and hands them to
the endpoints its config names (log, file, webhook, forward, exec).

Usage:
  harkd [flags]

With no config it starts an embedded NATS server on ` + transports.DefaultEmbeddedListen + `, listens on
exchange openstack, topic notifications, and logs every notification.
Settings come from the config file, then HARK_* environment variables
("__" nests: HARK_LISTENER__POOL=billing), then these flags.

Examples:
  harkd                                   # zero-setup: embedded NATS, log endpoint
  harkd --config /etc/harkd/harkd.yaml    # from a config file
  harkd --config harkd.yaml --check       # validate the config and exit
  harkd --config harkd.yaml --print-config  # print the effective config, secrets redacted
  harkd --transport-url rabbit://user:pass@rabbit:5672/   # listen to OpenStack's RabbitMQ
  harkd --transport-url kafka://kafka1:9092,kafka2:9092/  # or to oslo's Kafka topics
  harkd --version                         # what the binary was built from

Signals: SIGINT/SIGTERM shut down gracefully (a second one forces it);
SIGHUP reloads the listener, endpoints and filters from the config file.

Flags:
`

// parseFlags parses args. It returns an error for bad usage.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := pflag.NewFlagSet("harkd", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVarP(&o.configFile, "config", "c", "", "YAML config file (default: none, all defaults)")
	fs.StringVar(&o.transportURL, "transport-url", "", "broker URL, e.g. rabbit://user:pass@host:5672/, nats://host:4222 or kafka://host:9092 (overrides transport_url; empty: embedded NATS)")
	fs.BoolVar(&o.check, "check", false, "validate the config and exit: 0 if valid, 1 with the problems otherwise")
	fs.BoolVar(&o.printConfig, "print-config", false, "print the effective config (defaults, file, environment, flags) with secrets redacted, and exit")
	fs.StringVar(&o.logLevel, "log-level", "", "log level: debug, info, warn or error (overrides log.level)")
	fs.StringVar(&o.logFormat, "log-format", "", "log format: json or console (overrides log.format)")
	fs.StringVar(&o.httpListen, "http-listen", "", `address of /metrics, /healthz and /readyz (overrides http.listen; "" in the config turns them off)`)
	fs.DurationVar(&o.startupTimeout, "startup-timeout", 0, "exit 1 with the cause when not connected and listening within this long, e.g. 5m (overrides startup_timeout; 0: keep retrying)")
	fs.BoolVarP(&o.version, "version", "V", false, "print the version (module version, VCS revision, Go version) and exit")
	fs.BoolVarP(&o.help, "help", "h", false, "show this help")
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHeader)
		fs.PrintDefaults()
	}
	o.fs = fs
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w%s", err, suggestFlag(fs, unknownFlag(err)))
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q%s (harkd takes flags only; see --help)", fs.Arg(0), suggestFlag(fs, fs.Arg(0)))
	}
	return o, nil
}

// overrides returns the config settings the flags set, by key path. Only
// flags given on the command line count, so an unset flag never hides a
// file or environment value.
func (o *options) overrides() map[string]any {
	m := map[string]any{}
	set := func(flag, key, value string) {
		if o.fs.Changed(flag) {
			m[key] = value
		}
	}
	set("transport-url", "transport_url", o.transportURL)
	set("log-level", "log.level", o.logLevel)
	set("log-format", "log.format", o.logFormat)
	set("http-listen", "http.listen", o.httpListen)
	set("startup-timeout", "startup_timeout", o.startupTimeout.String())
	return m
}
