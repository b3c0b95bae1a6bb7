package bench

import (
	"errors"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

// Scenario names a benchmark scenario.
type Scenario string

// The scenarios; see the package documentation.
const (
	Drain  Scenario = "drain"
	Steady Scenario = "steady"
	Fanout Scenario = "fanout"
)

// Scenarios lists the valid scenarios.
func Scenarios() []Scenario { return []Scenario{Drain, Steady, Fanout} }

// Defaults of Config fields left zero.
const (
	DefaultMessages   = 50_000
	DefaultSize       = 512
	DefaultWorkers    = 64
	DefaultRate       = 5_000
	DefaultDuration   = 10 * time.Second
	DefaultPools      = 3
	DefaultRounds     = 1
	DefaultPublishers = 16
	DefaultPython     = "/usr/bin/python3"
	// DefaultStall is how long a consumer may go without progress before
	// the run fails instead of waiting forever.
	DefaultStall = 30 * time.Second
)

// ErrInvalidConfig is wrapped by Config.Validate's errors.
var ErrInvalidConfig = errors.New("invalid benchmark configuration")

// Config is one benchmark run. Zero fields take the defaults above
// (WithDefaults); Validate checks the result.
type Config struct {
	// Scenario to run.
	Scenario Scenario
	// URL is the transport URL of the broker.
	URL string
	// Messages per contender and round (fanout: per pool). For steady it
	// is Rate × Duration and must be left 0.
	Messages int
	// Size is the target size of one encoded notification body in bytes;
	// the payload is padded to reach it.
	Size int
	// Executor is hark's executor ("pooled" or "blocking") with Workers
	// workers.
	Executor string
	Workers  int
	// Prefetch bounds what hark's listener and the bare client hold
	// unsettled; 0 means hark's default: 2 × Workers and at least
	// notify.MinDefaultPrefetch, or 2 × Batch when that is larger.
	Prefetch int
	// Batch > 0 makes hark use a batch listener of that size, flushed
	// after BatchTimeout (default 100ms).
	Batch        int
	BatchTimeout time.Duration
	// Rate (msg/s) and Duration of the steady scenario.
	Rate     int
	Duration time.Duration
	// Pools of the fanout scenario.
	Pools int
	// Rounds each contender runs; the median round is reported.
	Rounds int
	// Baseline runs the bare-client baseline; Oslo runs the oslo.messaging
	// listener too (RabbitMQ drain only), with Python.
	Baseline bool
	Oslo     bool
	Python   string
	// Mix spreads the notifications over the seven priorities (90% info,
	// the rest evenly over audit, debug, warn, error, critical and
	// sample, in a fixed cycle: see MixPriority), and every contender
	// consumes all seven. Without it every notification is info and the
	// contenders consume info only.
	Mix bool
	// Harkd, when Harkd.Path is set, adds the contender "harkd": the
	// daemon binary at that path run as a process of its own (one per
	// pool), drain and fanout scenarios only.
	Harkd Harkd
	// Publishers is how many goroutines send the backlog.
	Publishers int
	// Stall fails a round whose consumer makes no progress for this long.
	Stall time.Duration
	// Progress receives a progress line while the run goes on; nil for
	// none. ProgressTTY rewrites one line in place (a terminal) instead of
	// printing a line every few seconds.
	Progress    io.Writer
	ProgressTTY bool
	// Log receives the transports' logs; nil for none.
	Log *zap.Logger
	// CPUProfile, when set, receives a CPU profile (runtime/pprof) of
	// hark's first round of consuming only: not the backlog's sending,
	// not the other contenders.
	CPUProfile io.Writer
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Size == 0 {
		c.Size = DefaultSize
	}
	if c.Executor == "" {
		c.Executor = executor.NamePooled
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Executor == executor.NameBlocking {
		c.Workers = 1
	}
	if c.Prefetch == 0 {
		// hark's defaults: 2 × workers and at least
		// notify.MinDefaultPrefetch, and for a batch listener at least
		// 2 × its size.
		c.Prefetch = max(2*c.Workers, notify.MinDefaultPrefetch, 2*c.Batch)
	}
	if c.Batch > 0 && c.BatchTimeout == 0 {
		c.BatchTimeout = 100 * time.Millisecond
	}
	if c.Scenario == Steady {
		if c.Rate == 0 {
			c.Rate = DefaultRate
		}
		if c.Duration == 0 {
			c.Duration = DefaultDuration
		}
	}
	if c.Messages == 0 {
		if c.Scenario == Steady {
			c.Messages = int(float64(c.Rate) * c.Duration.Seconds())
		} else {
			c.Messages = DefaultMessages
		}
	}
	if c.Scenario == Fanout && c.Pools == 0 {
		c.Pools = DefaultPools
	}
	if c.Pools == 0 {
		c.Pools = 1
	}
	if c.Rounds == 0 {
		c.Rounds = DefaultRounds
	}
	if c.Python == "" {
		c.Python = DefaultPython
	}
	if c.Publishers == 0 {
		c.Publishers = DefaultPublishers
	}
	if c.Stall == 0 {
		c.Stall = DefaultStall
	}
	return c
}

// Validate checks c (after WithDefaults); errors wrap ErrInvalidConfig
// and name the setting.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	switch c.Scenario {
	case Drain, Steady, Fanout:
	default:
		return bad("unknown scenario %q (valid: drain, steady, fanout)", c.Scenario)
	}
	if _, err := transport.ParseURL(c.URL); err != nil {
		return fmt.Errorf("%w: url: %w", ErrInvalidConfig, err)
	}
	if _, err := executor.ByName(c.Executor, c.Workers); err != nil {
		return fmt.Errorf("%w: executor: %w", ErrInvalidConfig, err)
	}
	switch {
	case c.Messages < 1:
		return bad("count %d: must be at least 1", c.Messages)
	case c.Size < 1:
		return bad("size %d: must be positive", c.Size)
	case c.Size > 16<<20:
		return bad("size %d: at most 16 MiB", c.Size)
	case c.Workers < 1:
		return bad("workers %d: must be at least 1", c.Workers)
	case c.Prefetch < 1:
		return bad("prefetch %d: must be at least 1", c.Prefetch)
	case c.Batch < 0:
		return bad("batch %d: must not be negative", c.Batch)
	case c.BatchTimeout < 0:
		return bad("batch timeout %s: must not be negative", c.BatchTimeout)
	case c.Rounds < 1:
		return bad("rounds %d: must be at least 1", c.Rounds)
	case c.Publishers < 1:
		return bad("publishers %d: must be at least 1", c.Publishers)
	case c.Stall <= 0:
		return bad("stall timeout %s: must be positive", c.Stall)
	case c.Pools < 1:
		return bad("pools %d: must be at least 1", c.Pools)
	case c.Pools > 1 && c.Scenario != Fanout:
		return bad("pools %d: only the fanout scenario has pools", c.Pools)
	}
	if c.Harkd.Path != "" {
		if c.Scenario == Steady {
			return bad("harkd runs in the drain and fanout scenarios only (its latency cannot be observed from outside)")
		}
		if err := c.Harkd.validate(); err != nil {
			return fmt.Errorf("%w: harkd: %w", ErrInvalidConfig, err)
		}
	}
	if c.Scenario == Steady {
		if c.Rate < 1 {
			return bad("rate %d: must be at least 1 msg/s", c.Rate)
		}
		if c.Duration <= 0 {
			return bad("duration %s: must be positive", c.Duration)
		}
		if want := int(float64(c.Rate) * c.Duration.Seconds()); c.Messages != want {
			return bad("count %d: the steady scenario sends rate × duration = %d; set rate and duration instead", c.Messages, want)
		}
	} else if c.Rate != 0 || c.Duration != 0 {
		return bad("rate and duration belong to the steady scenario")
	}
	return nil
}
