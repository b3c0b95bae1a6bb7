package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/cmd/internal/buildinfo"
	"github.com/harkmq/hark/cmd/internal/transports"
)

// defaultURL is where harkd's zero-setup default listens: its embedded NATS
// server.
const defaultURL = transports.DefaultURL

// urlEnv names the environment variable that overrides defaultURL; it is
// the one harkd reads its transport_url from, so a shell set up for the
// daemon points hark at the same broker.
const urlEnv = transports.URLEnv

// natsURLEnv is the nats CLI's variable for its server; hark honours it
// after urlEnv, so a shell set up for the nats tools works as is.
const natsURLEnv = "NATS_URL"

// urlPrecedence says, for --help and errors, where --url's default comes
// from.
const urlPrecedence = "$" + urlEnv + ", else $" + natsURLEnv + ", else " + defaultURL

// envURL returns the broker URL the environment names, by precedence
// ($HARK_TRANSPORT_URL, then $NATS_URL), and the variable it came from;
// defaultURL and "" when neither is set.
func envURL(getenv func(string) string) (url, from string) {
	for _, k := range []string{urlEnv, natsURLEnv} {
		if v := getenv(k); v != "" {
			return v, k
		}
	}
	return defaultURL, ""
}

// defaultConnectTimeout bounds opening the transport, so an unreachable
// broker is an error within seconds, not a hang.
const defaultConnectTimeout = 5 * time.Second

// streams are the standard streams a run reads and writes. Verbs write
// their results (JSON lines, tables, summaries) to out and everything else
// (progress, warnings, logs, errors) to err, so out can be piped.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// app is one run of the CLI: its streams and the flags every verb shares.
type app struct {
	streams
	getenv func(string) string

	url            string
	urlFrom        string // the variable --url's value came from; "" for the flag or the default
	connectTimeout time.Duration
	logLevel       string
	log            *zap.Logger

	// started is set when a verb begins to run: an error before that
	// comes from parsing the command line.
	started bool
}

// run executes the CLI with args (without the program name) and returns
// the exit code; getenv reads the environment (os.Getenv in main).
func run(ctx context.Context, args []string, s streams, getenv func(string) string) int {
	a := &app{streams: s, getenv: getenv, log: zap.NewNop()}
	root := a.newRootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	_ = a.log.Sync()
	code := exitCode(err, !a.started)
	if err != nil {
		fmt.Fprintf(s.err, "hark: %v\n", err)
		if code == exitUsage {
			fmt.Fprintf(s.err, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	return code
}

// newRootCmd builds the command tree. Each call returns a fresh tree bound
// to a, so runs (and tests) share nothing.
func (a *app) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "hark",
		Short: "Send, watch and replay oslo.messaging-style notifications",
		Long: `hark is the command-line client of hark, a notification listener runtime in
the style of OpenStack oslo.messaging. It talks to the same brokers as the
harkd daemon: the daemon's embedded NATS server by default, any NATS
JetStream, RabbitMQ with OpenStack's own wire format, or Kafka with the
wire format of oslo.messaging's kafka driver.

The broker is chosen with --url (an oslo.messaging TransportURL, e.g.
rabbit://user:pass@host:5672/, nats://host:4222 or kafka://host:9092).
Without --url, hark uses $` + urlEnv + ` if it is set (harkd's
transport_url), else $` + natsURLEnv + ` (the nats CLI's), else
` + defaultURL + `, where a harkd started with no
configuration listens. A harkd whose embedded server listens elsewhere
(embedded.listen, HARK_EMBEDDED__LISTEN) needs --url or one of these.

Exit codes:
  0    success
  1    runtime error (broker unreachable, a send failed, ...)
  2    usage error (unknown verb or flag, bad flag value)
  130  interrupted by Ctrl-C, SIGTERM or SIGHUP before notify, dlq list or
       dlq replay finished (an interrupted tail, or notify --count 0, exits 0)

--count 0 means until interrupted (notify, tail), as --limit 0 means no
limit (dlq); a bench's --count is the size of its backlog, at least 1.`,
		Example: `  # Start the daemon in one terminal, then send a notification from another:
  harkd
  hark notify --event-type compute.instance.create.end --payload '{"state": "active"}'

  # Watch notifications as JSON lines:
  hark tail | jq .event_type

  # Inspect and replay dead letters:
  hark dlq list
  hark dlq replay --reason max_deliveries`,
		Version:           buildinfo.Read().String(),
		SilenceUsage:      true, // errors print one line, not the whole usage
		SilenceErrors:     true, // run prints them, with the exit-code logic
		Args:              cobra.NoArgs,
		PersistentPreRunE: a.setup,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return usagef("no verb given")
		},
	}
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	pf := root.PersistentFlags()
	// The default is resolved in setup, not shown by the flag: a URL from
	// the environment may hold a password, which --help must not print.
	pf.StringVar(&a.url, "url", "", "transport URL of the broker (default "+urlPrecedence+")")
	pf.DurationVar(&a.connectTimeout, "connect-timeout", defaultConnectTimeout, "give up connecting to the broker after this long")
	pf.StringVar(&a.logLevel, "log-level", "warn", "level of the transport's logs on stderr: debug, info, warn or error")

	root.SetVersionTemplate("hark {{.Version}}\n")
	root.AddCommand(a.newNotifyCmd(), a.newTailCmd(), a.newDLQCmd(), a.newBenchCmd(), a.newVersionCmd())
	suggestVerbs(root)
	return root
}

// setup validates the global flags and builds the logger. It runs before
// every verb.
func (a *app) setup(cmd *cobra.Command, _ []string) error {
	lvl, err := zapcore.ParseLevel(a.logLevel)
	if err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", a.logLevel)
	}
	if a.url == "" {
		a.url, a.urlFrom = envURL(a.getenv)
	}
	if a.connectTimeout <= 0 {
		return usagef("--connect-timeout %s: must be positive", a.connectTimeout)
	}
	enc := zap.NewDevelopmentEncoderConfig()
	enc.TimeKey = "" // a CLI's log lines need no timestamp
	a.log = zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(zapcore.AddSync(a.err)), lvl))
	return nil
}

// verb adapts a verb's body to cobra: it records that the command line
// parsed (so its errors are runtime errors unless marked as usage errors)
// and passes the run's context.
func (a *app) verb(f func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a.started = true
		return f(cmd.Context(), args)
	}
}
