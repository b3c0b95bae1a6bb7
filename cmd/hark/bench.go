package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/harkmq/hark/cmd/internal/bench"
	"github.com/harkmq/hark/transport"
)

// benchFlags are the flags every bench scenario shares.
type benchFlags struct {
	count        int
	size         int
	workers      int
	prefetch     int
	executor     string
	batch        int
	batchTimeout time.Duration
	rounds       int
	baseline     bool
	oslo         bool
	python       string
	publishers   int
	stall        time.Duration
	json         bool
	quiet        bool
	cpuProfile   string
	mix          bool
	// drain and fanout
	harkd string
	// steady
	rate     int
	duration time.Duration
	// fanout
	pools int
}

func (a *app) newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput and latency against a bare client of the same broker",
		Long: `Measure how fast hark consumes notifications from the broker --url names,
and measure in the same run, against the same broker, bare clients of that
broker doing the same work: consume, decode, acknowledge. Absolute figures
vary between machines; the ratios of one run do not.

Contenders, in the order they run:
  bare           the broker's own client: consume, decode the oslo envelope
                 and the message in it with encoding/json, ack (the
                 primary baseline)
  bare-envelope  the same, decoding the envelope alone
  oslo           with --oslo: the real oslo.messaging listener (RabbitMQ,
                 Python, threading executor) at the same prefetch
  hark           hark's notify.Listener in this process
  harkd          with --harkd PATH: the harkd daemon at PATH, one process
                 per pool, from a plain config (transport_url, one target,
                 one log endpoint taking every priority, log level warn,
                 listener defaults unless --workers, --prefetch or
                 --executor is given). Before the backlog is sent, its
                 processes run once until ready, so that they declare
                 their own groups on the broker. Its count comes from its
                 /metrics; its clock starts when every process answers
                 /readyz with 200, and what it acknowledged before is left
                 out (warmup). Its peak RSS and CPU time are reported too.
The bare clients are amqp091-go (RabbitMQ), nats.go's jetstream package
(Consume), a nats.go queue subscription (NATS core, ?mode=core) and
franz-go's kgo group consumer (Kafka: PollRecords, decode, commit the
offsets synchronously every second and at the end); on memory:// they are
hark's transport listener without the notify listener. On Kafka each
contender's round consumes as a consumer group of its own named after the
round (harkbench_...), not the URL's consumer_group, and reads the round's
fresh topics from their start, as the bare consumer does (harkd's config
says listener.start: all).
The report gives hark's and harkd's ratios to every other contender: of
throughput (above 1: hark is faster) and, for steady, of the p50 and p99
latency (below 1: hark is quicker).

--mix spreads the notifications over the seven priorities (90% info, the
rest evenly over audit, debug, warn, error, critical and sample, in a fixed
cycle), and every contender consumes all seven: hark with one endpoint
implementing every priority, the bare clients on every priority's subject
or queue, laid out as hark lays them out. Without it all are info.

Each contender runs on its own exchange, one after the other, and what it
declared is deleted afterwards (on Kafka its topics and consumer groups),
also when the run is interrupted (Ctrl-C, SIGTERM, SIGHUP). Progress goes to standard error; the result
table (or with --json one JSON object) to standard output.`,
		Example: `  # Drain a backlog of 100000 notifications from RabbitMQ: bare, oslo.messaging, hark
  hark bench drain --url rabbit://guest:guest@127.0.0.1:5672/ --count 100000 --oslo

  # A backlog of mixed priorities drained by the daemon as users run it
  go build -o /tmp/harkd ./cmd/harkd
  hark bench drain --url nats://127.0.0.1:4222 --count 200000 --mix --harkd /tmp/harkd

  # Kafka, three rounds of a mixed backlog: bare franz-go, hark and harkd
  hark bench drain --url kafka://127.0.0.1:9092 --count 100000 --mix --rounds 3 --harkd /tmp/harkd

  # JetStream at 5000 msg/s for 10s: latency percentiles
  hark bench steady --url nats://127.0.0.1:4222 --rate 5000 --duration 10s

  # Three pools, each with its own copy, three rounds, as JSON
  hark bench fanout --pools 3 --rounds 3 --json

  # A chart of saved results, by hark-benchplot (built from tools/ in hark's
  # repository: ` + benchPlotTool + `)
  hark bench drain --json >> results.jsonl; /tmp/hark-benchplot -o bench.png results.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return usagef("bench needs a scenario: drain, steady or fanout")
		},
	}
	cmd.AddCommand(
		a.newBenchScenarioCmd(bench.Drain, "Send a backlog first, then consume it as fast as possible"),
		a.newBenchScenarioCmd(bench.Steady, "Send at a fixed rate while consuming; latency percentiles"),
		a.newBenchScenarioCmd(bench.Fanout, "Drain a backlog with several pools, each getting every notification"),
		a.newBenchPlotCmd(),
	)
	return cmd
}

func (a *app) newBenchScenarioCmd(sc bench.Scenario, short string) *cobra.Command {
	f := benchFlags{}
	cmd := &cobra.Command{
		Use:   string(sc),
		Short: short,
		Args:  cobra.NoArgs,
	}
	fl := cmd.Flags()
	cmd.RunE = a.verb(func(ctx context.Context, _ []string) error {
		if sc != bench.Steady && f.count < 1 {
			// Elsewhere --count 0 means until interrupted; a bench
			// needs a backlog of known size, so it has no such mode.
			return usagef("--count %d: must be at least 1 (the backlog each contender drains)", f.count)
		}
		return a.bench(ctx, sc, f, harkdSettings(fl, f))
	})
	if sc != bench.Steady {
		fl.IntVar(&f.count, "count", bench.DefaultMessages, "notifications per contender and round (fanout: per pool)")
	}
	fl.IntVar(&f.size, "size", bench.DefaultSize, "size of one encoded notification in bytes")
	fl.IntVar(&f.workers, "workers", bench.DefaultWorkers, "hark's handler workers (pooled executor); harkd's only when given")
	fl.IntVar(&f.prefetch, "prefetch", 0, "notifications held unsettled, by hark and the bare clients (0: hark's default, 2 × workers and at least 256); harkd's only when given")
	fl.StringVar(&f.executor, "executor", "pooled", "hark's executor: pooled or blocking; harkd's only when given")
	fl.IntVar(&f.batch, "batch", 0, "with a size > 0, hark (and harkd) use a batch listener of that size")
	fl.DurationVar(&f.batchTimeout, "batch-timeout", 100*time.Millisecond, "flush a partial batch after this long")
	fl.IntVar(&f.rounds, "rounds", bench.DefaultRounds, "rounds per contender; the median is reported")
	fl.BoolVar(&f.baseline, "baseline", true, "run the bare-client baselines, bare and bare-envelope (--baseline=false: hark only)")
	fl.IntVar(&f.publishers, "publishers", bench.DefaultPublishers, "goroutines sending notifications")
	fl.DurationVar(&f.stall, "stall", bench.DefaultStall, "fail when a consumer makes no progress for this long")
	fl.BoolVar(&f.json, "json", false, "print the report as one JSON object")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress line on standard error")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of hark's first round of consuming to this file (go tool pprof)")
	fl.BoolVar(&f.mix, "mix", false, "spread the notifications over the seven priorities (90% info) and consume all seven")
	if sc != bench.Steady {
		fl.StringVar(&f.harkd, "harkd", "", "also run the harkd binary at this path (go build -o /tmp/harkd ./cmd/harkd), one process per pool")
	}
	switch sc {
	case bench.Drain:
		fl.BoolVar(&f.oslo, "oslo", false, "also run the real oslo.messaging listener (RabbitMQ; needs python3-oslo.messaging)")
		fl.StringVar(&f.python, "python", bench.DefaultPython, "the Python that runs oslo.messaging")
	case bench.Steady:
		fl.IntVar(&f.rate, "rate", bench.DefaultRate, "notifications sent per second")
		fl.DurationVar(&f.duration, "duration", bench.DefaultDuration, "how long to send")
	case bench.Fanout:
		fl.IntVar(&f.pools, "pools", bench.DefaultPools, "pools, each getting every notification")
	}
	return cmd
}

// harkdSettings is the harkd contender of f: the listener settings whose
// flags were given, and no others, so that harkd otherwise runs on its
// own defaults.
func harkdSettings(fl *pflag.FlagSet, f benchFlags) bench.Harkd {
	h := bench.Harkd{Path: f.harkd}
	if fl.Changed("workers") {
		h.Workers = f.workers
	}
	if fl.Changed("prefetch") {
		h.Prefetch = f.prefetch
	}
	if fl.Changed("executor") {
		h.Executor = f.executor
	}
	return h
}

// bench runs one scenario and prints its report.
func (a *app) bench(ctx context.Context, sc bench.Scenario, f benchFlags, harkd bench.Harkd) error {
	cfg := bench.Config{
		Scenario: sc, URL: a.url, Messages: f.count, Size: f.size,
		Executor: f.executor, Workers: f.workers, Prefetch: f.prefetch,
		Batch: f.batch, Rate: f.rate, Duration: f.duration, Pools: f.pools,
		Rounds: f.rounds, Baseline: f.baseline, Oslo: f.oslo, Python: f.python,
		Mix: f.mix, Harkd: harkd,
		Publishers: f.publishers, Stall: f.stall, Log: a.log,
	}
	if f.batch > 0 {
		cfg.BatchTimeout = f.batchTimeout
	}
	if !f.quiet {
		cfg.Progress, cfg.ProgressTTY = a.err, isTerminal(a.err)
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer pf.Close()
		cfg.CPUProfile = pf
	}
	rep, err := bench.Measure(ctx, cfg)
	switch {
	case err == nil:
	case errors.Is(err, bench.ErrInvalidConfig), errors.Is(err, bench.ErrOsloUnavailable),
		errors.Is(err, transport.ErrInvalidURL), errors.Is(err, transport.ErrUnknownScheme):
		return usageError{err}
	default:
		return interrupted(ctx, fmt.Errorf("bench %s: %w%s", sc, err, a.hint()))
	}
	if f.json {
		return bench.WriteJSON(a.out, rep)
	}
	return bench.WriteText(a.out, rep)
}

// isTerminal reports whether w is a terminal, where a progress line can
// be rewritten in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// benchPlotTool is how to build the chart tool that "hark bench plot" was.
const benchPlotTool = "go build -C tools -o /tmp/hark-benchplot ./cmd/hark-benchplot"

// newBenchPlotCmd is the place "hark bench plot" had: charts are drawn by
// hark-benchplot, in the repository's tools module, so that the chart
// libraries stay out of the library's go.mod. Run with any flags, it says
// so and how to build it, rather than leaving an unknown command; --help
// says the same.
func (a *app) newBenchPlotCmd() *cobra.Command {
	const moved = "bench plot has moved out of hark, so that the library's go.mod needs no chart libraries: " +
		"build hark-benchplot in hark's repository with\n  " + benchPlotTool +
		"\nthen run it with the same flags, e.g. /tmp/hark-benchplot -o bench.png results.jsonl"
	return &cobra.Command{
		Use:   "plot",
		Short: "Moved: charts are drawn by hark-benchplot (tools/ in hark's repository)",
		Long: `The charts of saved bench reports ("hark bench ... --json") are drawn by
hark-benchplot, with the flags and arguments "hark bench plot" had. It lives
in the tools module of hark's repository, apart from the library's, so that
the library's go.mod needs no chart libraries. Build it from the
repository's root with
  ` + benchPlotTool,
		Hidden: true,
		Example: `  go build -C tools -o /tmp/hark-benchplot ./cmd/hark-benchplot
  /tmp/hark-benchplot -o bench.png results.jsonl`,
		// The flags it had (-o, --format, ...) are hark-benchplot's now:
		// they reach the message below instead of "unknown flag".
		FParseErrWhitelist: cobra.FParseErrWhitelist{UnknownFlags: true},
		RunE: a.verb(func(context.Context, []string) error {
			return usagef("%s", moved)
		}),
	}
}
