package benchplot

import (
	"slices"
	"strings"
)

// latencyChart describes the latency panel: for every report with a run
// that has latency, one group per percentile, one bar per such run. It
// returns false when no run has latency.
func latencyChart(reports []Report, order []string, colors palette) (barChart, bool) {
	percentiles := []struct {
		name  string
		value func(*Latency) float64
	}{
		{"p50", func(l *Latency) float64 { return l.P50 }},
		{"p90", func(l *Latency) float64 { return l.P90 }},
		{"p99", func(l *Latency) float64 { return l.P99 }},
		{"max", func(l *Latency) float64 { return l.Max }},
	}
	labels := reportLabels(reports)
	var with []int // indexes of the reports with latency
	var legend []string
	for i, r := range reports {
		has := false
		for _, run := range r.Runs {
			if run.Latency != nil {
				has = true
				if !slices.Contains(legend, run.Name) {
					legend = append(legend, run.Name)
				}
			}
		}
		if has {
			with = append(with, i)
		}
	}
	if len(with) == 0 {
		return barChart{}, false
	}

	titles := []string{"Latency, publish to handler (lower is better)", "Latency, publish to handler\n(lower is better)"}
	if len(with) == 1 {
		report := strings.Join(labels[with[0]], " ")
		titles = []string{
			"Latency, publish to handler: " + report + " (lower is better)",
			"Latency, publish to handler: " + report + "\n(lower is better)",
			"Latency, publish to handler:\n" + report + " (lower is better)",
		}
	}
	var groups []barGroup
	for _, i := range with {
		for _, pc := range percentiles {
			g := barGroup{parts: []string{pc.name}}
			if len(with) > 1 {
				g.parts = []string{strings.Join(labels[i], " "), pc.name}
			}
			for _, run := range runsInOrder(reports[i], order) {
				if run.Latency == nil {
					continue
				}
				v := pc.value(run.Latency)
				g.bars = append(g.bars, barSpec{contender: run.Name, value: v, label: formatMicros(v)})
			}
			groups = append(groups, g)
		}
	}
	slices.SortStableFunc(legend, func(a, b string) int {
		return slices.Index(order, a) - slices.Index(order, b)
	})
	return barChart{
		titles: titles,
		yLabel: "latency (log scale)",
		groups: groups,
		legend: legend,
		colors: colors,
		logY:   true,
		tick:   microsTick,
	}, true
}
