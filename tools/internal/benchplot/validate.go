package benchplot

import (
	"fmt"
	"math"
)

// validate reports the first reason reports cannot be plotted, wrapping
// one of the package's sentinel errors.
func validate(reports []Report) error {
	if len(reports) == 0 {
		return fmt.Errorf("benchplot: %w", ErrNoReports)
	}
	for i, r := range reports {
		name := reportName(i, r)
		if len(r.Runs) == 0 {
			return fmt.Errorf("benchplot: %s: %w", name, ErrNoRuns)
		}
		seen := make(map[string]bool, len(r.Runs))
		for j, run := range r.Runs {
			if run.Name == "" {
				return fmt.Errorf("benchplot: %s: run %d has no name: %w", name, j, ErrInvalidReport)
			}
			if seen[run.Name] {
				return fmt.Errorf("benchplot: %s: two runs named %q: %w", name, run.Name, ErrInvalidReport)
			}
			seen[run.Name] = true
			if !plottable(run.MsgPerSec) {
				return fmt.Errorf("benchplot: %s: run %q: msg/s is %v: %w", name, run.Name, run.MsgPerSec, ErrInvalidReport)
			}
			if l := run.Latency; l != nil {
				for _, v := range []float64{l.P50, l.P90, l.P99, l.Max} {
					if !plottable(v) {
						return fmt.Errorf("benchplot: %s: run %q: latency %v µs: %w", name, run.Name, v, ErrInvalidReport)
					}
				}
			}
		}
	}
	return nil
}

// plottable reports whether v is a finite, non-negative figure.
func plottable(v float64) bool {
	return v >= 0 && !math.IsInf(v, 1)
}

// reportName identifies reports[i] in error messages.
func reportName(i int, r Report) string {
	return fmt.Sprintf("reports[%d] (%s %s)", i, orUnknown(r.Transport), orUnknown(r.Scenario))
}

// orUnknown returns s, or "?" when s is empty.
func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
