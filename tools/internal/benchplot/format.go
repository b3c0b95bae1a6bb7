package benchplot

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// formatRate formats a msg/s figure for a bar label: "950", "51.2k",
// "1.25M".
func formatRate(v float64) string {
	switch {
	case v < 999.5:
		return fmt.Sprintf("%.0f", v)
	case v < 999_950:
		return fmt.Sprintf("%.1fk", v/1e3)
	default:
		return fmt.Sprintf("%.2fM", v/1e6)
	}
}

// formatMicros formats a latency in microseconds for a bar label:
// "4.2µs", "310µs", "1.25ms", "23.4ms", "250ms", "1.50s".
func formatMicros(us float64) string {
	switch {
	case us < 9.95:
		return fmt.Sprintf("%.1fµs", us)
	case us < 999.5:
		return fmt.Sprintf("%.0fµs", us)
	case us < 9_995:
		return fmt.Sprintf("%.2fms", us/1e3)
	case us < 99_950:
		return fmt.Sprintf("%.1fms", us/1e3)
	case us < 999_500:
		return fmt.Sprintf("%.0fms", us/1e3)
	default:
		return fmt.Sprintf("%.2fs", us/1e6)
	}
}

// shortNumber formats v with at most four significant digits and no
// trailing zeros, for tick labels.
func shortNumber(v float64) string {
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// rateTick formats a msg/s tick value: "0", "500", "20k", "1.5M".
func rateTick(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return shortNumber(v/1e6) + "M"
	case a >= 1e3:
		return shortNumber(v/1e3) + "k"
	default:
		return shortNumber(v)
	}
}

// microsTick formats a latency tick value in microseconds: "10µs",
// "100µs", "1ms", "10ms", "1s".
func microsTick(us float64) string {
	switch {
	case us >= 1e6:
		return shortNumber(us/1e6) + "s"
	case us >= 1e3:
		return shortNumber(us/1e3) + "ms"
	default:
		return shortNumber(us) + "µs"
	}
}

// relabel returns a ticker that places ticks as base does and labels each
// major tick with format.
func relabel(base plot.Ticker, format func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ticks := base.Ticks(lo, hi)
		for i := range ticks {
			if !ticks[i].IsMinor() {
				ticks[i].Label = format(ticks[i].Value)
			}
		}
		return ticks
	})
}

// linearTicks returns a ticker placing about n ticks on round values (1,
// 2, 2.5 or 5 times a power of ten) between lo and hi, each labelled with
// format.
func linearTicks(n int, format func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		if !(hi > lo) || n < 1 {
			return []plot.Tick{{Value: lo, Label: format(lo)}}
		}
		raw := (hi - lo) / float64(n)
		mag := math.Pow(10, math.Floor(math.Log10(raw)))
		step := 10 * mag
		for _, m := range []float64{1, 2, 2.5, 5} {
			if m*mag >= raw {
				step = m * mag
				break
			}
		}
		var ticks []plot.Tick
		for i := math.Ceil(lo / step); i*step <= hi+step*1e-9; i++ {
			v := i * step
			ticks = append(ticks, plot.Tick{Value: v, Label: format(v)})
		}
		return ticks
	})
}
