package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/harkmq/hark/cmd/internal/plural"
	"github.com/harkmq/hark/cmd/internal/progress"
)

// WriteJSON writes r as one line of JSON.
func WriteJSON(w io.Writer, r *Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// WriteText writes r for people: the settings, a table of the
// contenders, what processes of their own cost (harkd), and the ratios of
// hark's contenders to the others.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "hark bench %s on %s (%s)\n", r.Scenario, r.Transport, r.URL)
	what := fmt.Sprintf("%s %s of %s", group(float64(r.Messages)), plural.Noun(r.Messages, "notification"), plural.Count(r.BodyBytes, "byte"))
	if r.Pools > 1 {
		what += " × " + plural.Count(r.Pools, "pool")
	}
	if r.Mix {
		what += ", mixed priorities (90% info, 10% the six others)"
	}
	if r.Rate > 0 {
		what += fmt.Sprintf(" at %s msg/s", group(float64(r.Rate)))
	}
	exec := fmt.Sprintf("%s executor", r.Executor)
	if r.Executor != "blocking" {
		exec += " with " + plural.Count(r.Workers, "worker")
	}
	if r.Batch > 0 {
		exec += ", batches of " + fmt.Sprint(r.Batch)
	}
	fmt.Fprintf(&b, "%s; prefetch %d; %s; %s, median shown; %s, %s\n\n",
		what, r.Prefetch, exec, plural.Count(r.Rounds, "round"), plural.Count(r.Host.CPUs, "CPU"), r.Host.GoVersion)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	lat := r.Runs[0].Latency != nil
	header := "contender\tmsg/s\tseconds\t"
	if lat {
		header += "p50 ms\tp90 ms\tp99 ms\tmax ms\t"
	}
	fmt.Fprintln(tw, header+"  client")
	for _, run := range r.Runs {
		row := fmt.Sprintf("%s\t%s\t%.2f\t", run.Name, group(run.MsgPerSec), run.Seconds)
		if lat && run.Latency != nil {
			l := run.Latency
			row += fmt.Sprintf("%.3f\t%.3f\t%.3f\t%.3f\t", l.P50/1000, l.P90/1000, l.P99/1000, l.Max/1000)
		}
		fmt.Fprintln(tw, row+"  "+run.Client)
	}
	_ = tw.Flush()
	for _, run := range r.Runs {
		if run.Process != nil {
			fmt.Fprintf(&b, "\n%s: %s", run.Name, processText(run))
		}
	}
	for _, ra := range r.Ratios {
		fmt.Fprintf(&b, "\n%s / %s: %.2f×", ra.Of, ra.To, ra.Value)
		if ra.P50 > 0 {
			fmt.Fprintf(&b, " msg/s, %.2f× p50 latency, %.2f× p99 latency", ra.P50, ra.P99)
		}
	}
	if len(r.Ratios) > 0 {
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// processText describes the processes of run.
func processText(run Run) string {
	p := run.Process
	procs := plural.Count(p.Processes, "process")
	var clock string
	switch {
	case p.ClockFromStart:
		clock = "everything was handled before that, so the clock ran from the start, startup included"
	case run.Warmup > 0:
		clock = fmt.Sprintf("the clock starts then, leaving out %s %s handled before", group(float64(run.Warmup)), plural.Noun(run.Warmup, "notification"))
	default:
		clock = "the clock starts then"
	}
	s := fmt.Sprintf("%s, ready (/readyz 200) %.2fs after start (%s)", procs, p.StartupSeconds, clock)
	if p.PeakRSSBytes > 0 {
		s += fmt.Sprintf("; peak RSS %.1f MiB", float64(p.PeakRSSBytes)/(1<<20))
		if p.Processes > 1 {
			s += " (the largest)"
		}
	}
	if p.CPUSeconds > 0 {
		s += fmt.Sprintf("; CPU %.2fs user+system, startup included", p.CPUSeconds)
		if p.Processes > 1 {
			s += " (all processes)"
		}
	}
	return s
}

// group formats v rounded, with thousands separated by commas.
func group(v float64) string { return progress.Number(v) }
