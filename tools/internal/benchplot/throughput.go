package benchplot

import (
	"slices"
)

// throughputChart describes the throughput panel: one group per report,
// one bar per contender that ran in it. Steady reports are left out when
// there are others: their throughput is the rate they were sent at, and
// the latency panel shows them.
func throughputChart(reports []Report, order []string, colors palette) barChart {
	if others := slices.DeleteFunc(slices.Clone(reports), func(r Report) bool { return r.Scenario == scenarioSteady }); len(others) > 0 {
		reports = others
	}
	labels := reportLabels(reports)
	groups := make([]barGroup, len(reports))
	for i, r := range reports {
		groups[i].parts = labels[i]
		for _, run := range runsInOrder(r, order) {
			groups[i].bars = append(groups[i].bars, barSpec{
				contender: run.Name,
				value:     run.MsgPerSec,
				label:     formatRate(run.MsgPerSec),
			})
		}
	}
	return barChart{
		titles: []string{"Throughput (higher is better)", "Throughput\n(higher is better)"},
		yLabel: "msg/s",
		groups: groups,
		legend: order,
		colors: colors,
		tick:   rateTick,
	}
}
