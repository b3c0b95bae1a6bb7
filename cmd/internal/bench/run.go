package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/harkmq/hark/cmd/internal/plural"
	"github.com/harkmq/hark/cmd/internal/progress"
	"github.com/harkmq/hark/transport"
)

// ErrStalled is wrapped when a contender stops making progress for
// Config.Stall: notifications were lost (core NATS drops what a slow
// consumer cannot take), or the consumer hangs.
var ErrStalled = errors.New("the consumer stalled")

// cleanupTimeout bounds removing a round's exchange and queues.
const cleanupTimeout = 30 * time.Second

// Measure runs the benchmark cfg describes (zero fields take their
// defaults) and returns its report. Contenders run one after the other,
// round after round. ctx cancels the run; whatever was declared on the
// broker is removed either way.
func Measure(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, _ := transport.ParseURL(cfg.URL) // Validate parsed it
	kind, err := kindOf(u)
	if err != nil {
		return nil, err
	}
	cs, err := contendersFor(&cfg, u, kind)
	if err != nil {
		return nil, err
	}
	if cfg.Oslo {
		if err := checkPython(ctx, cfg.Python); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOsloUnavailable, err)
		}
	}
	dialect := transport.DialectAMQP
	if kind == KindKafka {
		dialect = transport.DialectKafka
	}
	mm, err := newDialectMessageMaker(cfg.Size, dialect)
	if err != nil {
		return nil, err
	}
	sample, err := mm.make(time.Time{}, transport.Info)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: &cfg, u: u, kind: kind, mm: mm, prog: progress.New(cfg.Progress, cfg.ProgressTTY), id: randomID()}
	rep := &Report{
		Scenario: string(cfg.Scenario), Transport: kind, URL: u.Redacted(),
		Messages: cfg.Messages, BodyBytes: len(sample.Body), Mix: cfg.Mix,
		Prefetch: cfg.Prefetch, Workers: cfg.Workers, Executor: cfg.Executor, Batch: cfg.Batch,
		Pools: cfg.Pools, Rate: cfg.Rate, Rounds: cfg.Rounds,
		RunID:   r.id,
		Host:    Host{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()},
		Started: time.Now().UTC(),
	}
	results := make([][]round, len(cs))
	for i := range cfg.Rounds {
		for j, c := range cs {
			res, err := r.round(ctx, c, i)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", c.name, i+1, err)
			}
			results[j] = append(results[j], res)
		}
	}
	for j, c := range cs {
		rep.Runs = append(rep.Runs, summarize(c, results[j]))
	}
	rep.Ratios = ratios(cs, rep.Runs)
	return rep, nil
}

// ratio compares h with o: throughput, and latency where both have it
// (steady) and o's is positive.
func ratio(h, o Run) Ratio {
	r := Ratio{Of: h.Name, To: o.Name, Value: h.MsgPerSec / o.MsgPerSec}
	if h.Latency != nil && o.Latency != nil && o.Latency.P50 > 0 && o.Latency.P99 > 0 {
		r.P50 = h.Latency.P50 / o.Latency.P50
		r.P99 = h.Latency.P99 / o.Latency.P99
	}
	return r
}

// ratios compares each of hark's contenders with each of the others, in
// the order they ran.
func ratios(cs []contender, runs []Run) []Ratio {
	var out []Ratio
	for i, h := range runs {
		if !cs[i].hark {
			continue
		}
		for j, o := range runs {
			if !cs[j].hark && o.MsgPerSec > 0 {
				out = append(out, ratio(h, o))
			}
		}
	}
	return out
}

// runner runs the rounds of one benchmark.
type runner struct {
	cfg  *Config
	u    *transport.URL
	kind string
	mm   *messageMaker
	prog *progress.Line
	// id makes this run's exchanges and pools unique on the broker.
	id string
	// profiled is set once hark's consuming was profiled.
	profiled bool
}

// round is one contender's result in one round.
type round struct {
	// messages were handled in elapsed; warmup more before the clock
	// started.
	messages int
	warmup   int
	elapsed  time.Duration
	latency  *Latency
	// proc describes a contender's processes (harkd); nil for others.
	proc *Process
}

// measured is the round of t's count, timed elapsed, on side s.
func measured(s side, t *tally, elapsed time.Duration) round {
	rd := round{messages: int(t.want - t.warmup), warmup: int(t.warmup), elapsed: elapsed}
	if ps, ok := s.(processSide); ok {
		rd.proc = ps.processStats()
	}
	return rd
}

func (rd round) rate() float64 { return float64(rd.messages) / rd.elapsed.Seconds() }

// summarize reports the median round of c by throughput.
func summarize(c contender, rs []round) Run {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b round) int {
		switch {
		case a.rate() < b.rate():
			return -1
		case a.rate() > b.rate():
			return 1
		}
		return 0
	})
	med := sorted[len(sorted)/2]
	run := Run{Name: c.name, Client: c.client, Messages: med.messages, Warmup: med.warmup,
		Seconds: med.elapsed.Seconds(), MsgPerSec: med.rate(), Latency: med.latency, Process: med.proc}
	for _, rd := range rs {
		run.RoundsMsgPerSec = append(run.RoundsMsgPerSec, rd.rate())
	}
	return run
}

// round runs contender c once on fresh names, and removes them after.
func (r *runner) round(ctx context.Context, c contender, i int) (res round, err error) {
	base := fmt.Sprintf("harkbench_%s_%s%d", r.id, c.name, i+1)
	// The topic is unique too: RabbitMQ's queue names ("<topic>.info")
	// are global to the virtual host, not per exchange.
	n := names{exchange: base, topic: base}
	if r.cfg.Scenario == Fanout {
		for p := range r.cfg.Pools {
			n.pools = append(n.pools, fmt.Sprintf("%s_pool%d", base, p+1))
		}
	}
	if r.kind == KindKafka && len(n.pools) == 0 {
		// On Kafka every group is a consumer group, and the non-pooled
		// one is the URL's consumer_group, which every oslo listener on
		// the broker shares. Each round consumes as a pool named after
		// it instead: a group of its own, fresh, and deleted after.
		n.pools = []string{base}
	}
	label := c.name
	if r.cfg.Rounds > 1 {
		label = fmt.Sprintf("round %d/%d %s", i+1, r.cfg.Rounds, c.name)
	}
	s, err := c.open(ctx, n)
	if err != nil {
		return round{}, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if cerr := s.close(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("clean up: %w", cerr))
		}
	}()
	groups := n.groups()
	if err := s.prepare(ctx, groups); err != nil {
		return round{}, err
	}
	switch {
	case r.cfg.Scenario == Steady:
		return r.steady(ctx, s, groups, label)
	case !c.backlog:
		return r.alongside(ctx, s, n, groups, label)
	default:
		return r.drain(ctx, s, groups, label)
	}
}

// consume runs s on groups until t is complete, stalls or fails, and
// stops it; it returns the wall time from the start of consuming.
func (r *runner) consume(ctx context.Context, s side, groups []string, t *tally, label string, during func(stop <-chan struct{})) (time.Duration, error) {
	if _, isHark := s.(*harkSide); isHark && r.cfg.CPUProfile != nil && !r.profiled {
		r.profiled = true
		if err := pprof.StartCPUProfile(r.cfg.CPUProfile); err != nil {
			return 0, fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	r.prog.Track(label, t.want, t.count)
	start := time.Now()
	stop, err := s.consume(ctx, groups, t)
	if err != nil {
		r.prog.End()
		return 0, err
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		if during != nil {
			during(quit)
		}
	}()
	werr := r.await(ctx, t)
	elapsed := time.Since(start)
	close(quit)
	<-finished
	r.prog.End()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	serr := stop(sctx)
	if werr != nil {
		if ps, ok := s.(processSide); ok && errors.Is(werr, ErrStalled) {
			werr = fmt.Errorf("%w%s", werr, ps.diagnostics())
		}
		return 0, werr
	}
	if serr != nil {
		return 0, fmt.Errorf("stop consuming: %w", serr)
	}
	if t.measured > 0 {
		elapsed = t.measured
	}
	return elapsed, nil
}

// await waits until t is complete, failed, stalled for Config.Stall, or
// ctx is done.
func (r *runner) await(ctx context.Context, t *tally) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	last, since := t.count(), time.Now()
	for {
		select {
		case <-t.done:
			return nil
		case err := <-t.errc:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if n := t.count(); n != last {
				last, since = n, time.Now()
			} else if time.Since(since) > r.cfg.Stall {
				return fmt.Errorf("%w: %s of %s %s handled, none in the last %s",
					ErrStalled, group(float64(n)), group(float64(t.want)), plural.Noun(t.want, "notification"), r.cfg.Stall)
			}
		}
	}
}

func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
