package benchplot

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Layout of a grouped bar panel.
const (
	// groupFill is the share of a group's slot on the x axis its bars fill.
	groupFill = 0.8
	// maxBarWidth keeps bars from turning into slabs when there are few.
	maxBarWidth = vg.Length(48)
	// valueGap separates a bar's top from its value label.
	valueGap = vg.Length(2)
	// legendGap separates the highest value label from the legend.
	legendGap = vg.Length(6)
	// valueFontSize is the size of the value labels on the bars.
	valueFontSize = vg.Length(9)
	// linearTickCount is about how many labelled ticks a linear y axis
	// gets.
	linearTickCount = 8
)

// sansFont returns the sans-serif face used for all text, at size.
func sansFont(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// barSpec is one bar: what one contender achieved within a group.
type barSpec struct {
	contender string
	value     float64
	label     string
}

// barGroup is a cluster of bars sharing one position on the x axis.
// parts make up its axis label: joined by spaces, or by newlines when
// the groups are too narrow for one line.
type barGroup struct {
	parts []string
	bars  []barSpec
}

// barChart describes one panel of grouped bars.
type barChart struct {
	// titles are the candidate titles, best first: the panel gets the
	// first that fits its width, else the last.
	titles []string
	yLabel string
	groups []barGroup
	// legend names the contenders in the legend, in order.
	legend []string
	colors palette
	// logY selects a logarithmic y axis; bars then rise from the power of
	// ten at or below the smallest positive value, and zero values draw
	// no bar.
	logY bool
	// tick formats the labels of the major y ticks.
	tick func(float64) string
}

// plot builds the panel sized for area, the canvas it will be drawn on.
func (s barChart) plot(area draw.Canvas) (*plot.Plot, error) {
	p := plot.New()
	useSans(p)
	for _, t := range s.titles {
		p.Title.Text = t
		if p.Title.TextStyle.Width(t) <= area.Max.X-area.Min.X {
			break
		}
	}
	p.Title.Padding = vg.Points(8)
	p.Y.Label.Text = s.yLabel
	p.X.Min, p.X.Max = -0.5, float64(len(s.groups))-0.5
	p.X.Tick.Length = 0
	yMin, yTop := s.valueRange()
	p.Y.Min, p.Y.Max = yMin, s.axisTop(yMin, yTop, 1)
	if s.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = relabel(plot.LogTicks{Prec: -1}, s.tick)
	} else {
		p.Y.Tick.Marker = linearTicks(linearTickCount, s.tick)
	}
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(3)
	p.Legend.ThumbnailWidth = vg.Points(14)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	for _, name := range s.legend {
		p.Legend.Add(name, swatch{s.colors[name]})
	}

	data := s.layoutGroupTicks(p, area)

	// Leave room above the tallest bar for its value label and the legend.
	valueStyle := text.Style{
		Color:   color.Black,
		Font:    sansFont(valueFontSize),
		XAlign:  draw.XCenter,
		YAlign:  draw.YBottom,
		Handler: plot.DefaultTextHandler,
	}
	barWidth := s.barWidth(data)
	labelExtent := valueStyle.Height("0")
	if widest := s.widestValueLabel(valueStyle); widest+valueGap > barWidth {
		valueStyle.Rotation = math.Pi / 2
		valueStyle.XAlign, valueStyle.YAlign = draw.XLeft, draw.YCenter
		labelExtent = widest
	}
	height := data.Max.Y - data.Min.Y
	needed := p.Legend.Rectangle(data).Size().Y + legendGap + valueGap + labelExtent
	frac := math.Min(math.Max(float64((height-needed)/height), 0.3), 0.95)
	p.Y.Max = s.axisTop(yMin, yTop, frac)

	// The y tick labels may have changed width with the range.
	barWidth = s.barWidth(p.DataCanvas(area))

	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = color.Gray{Y: 0xD8}
	p.Add(grid)
	for g, group := range s.groups {
		for j, b := range group.bars {
			offset := (vg.Length(j) - vg.Length(len(group.bars)-1)/2) * barWidth
			if err := s.addBar(p, float64(g), offset, barWidth, yMin, b, valueStyle); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// addBar adds to p one bar centred offset away from group position x,
// with its value label above it.
func (s barChart) addBar(p *plot.Plot, x float64, offset, width vg.Length, yMin float64, b barSpec, style text.Style) error {
	top, bottom := b.value, 0.0
	if s.logY {
		top, bottom = math.Max(top, yMin), yMin
	}
	bar, err := plotter.NewBarChart(plotter.Values{top - bottom}, width)
	if err != nil {
		return fmt.Errorf("benchplot: bar of %s: %w", b.contender, err)
	}
	if s.logY {
		// A log axis has no zero, so the bar stands on an undrawn one
		// reaching up to the bottom of the axis.
		bar.StackOn(&plotter.BarChart{Values: plotter.Values{bottom}, Width: width, XMin: x, Offset: offset})
	} else {
		bar.XMin, bar.Offset = x, offset
	}
	bar.Color = s.colors[b.contender]
	bar.LineStyle = draw.LineStyle{Color: color.White, Width: vg.Points(0.5)}
	p.Add(bar, &plotter.Labels{
		XYs:       plotter.XYs{{X: x, Y: top}},
		Labels:    []string{b.label},
		TextStyle: []text.Style{style},
		Offset:    vg.Point{X: offset, Y: valueGap},
	})
	return nil
}

// layoutGroupTicks labels the x axis with the groups, on one line each if
// they fit their slots, else on several lines if that fits, else on one
// slanted line, and returns the data area of p within area.
func (s barChart) layoutGroupTicks(p *plot.Plot, area draw.Canvas) draw.Canvas {
	p.X.Tick.Marker = plot.ConstantTicks(nil)
	data := p.DataCanvas(area)
	slot := (data.Max.X - data.Min.X) / vg.Length(len(s.groups))
	ticks := func(sep string) ([]plot.Tick, bool) {
		ts := make([]plot.Tick, len(s.groups))
		fits := true
		for i, g := range s.groups {
			ts[i] = plot.Tick{Value: float64(i), Label: strings.Join(g.parts, sep)}
			fits = fits && p.X.Tick.Label.Width(ts[i].Label) <= slot*0.95
		}
		return ts, fits
	}
	for _, sep := range []string{" ", "\n"} {
		if ts, fits := ticks(sep); fits {
			p.X.Tick.Marker = plot.ConstantTicks(ts)
			return p.DataCanvas(area)
		}
	}
	ts, _ := ticks(" ")
	p.X.Tick.Marker = plot.ConstantTicks(ts)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
	return p.DataCanvas(area)
}

// valueRange returns where bars stand (zero, or on a log axis the power
// of ten at or below the smallest positive value) and the tallest value.
func (s barChart) valueRange() (yMin, yTop float64) {
	minPositive := math.Inf(1)
	for _, g := range s.groups {
		for _, b := range g.bars {
			yTop = math.Max(yTop, b.value)
			if b.value > 0 {
				minPositive = math.Min(minPositive, b.value)
			}
		}
	}
	if !s.logY {
		return 0, yTop
	}
	if math.IsInf(minPositive, 1) {
		return 1, yTop
	}
	return math.Pow(10, math.Floor(math.Log10(minPositive))), yTop
}

// axisTop returns the top of the y axis that puts yTop at frac of the
// axis height.
func (s barChart) axisTop(yMin, yTop, frac float64) float64 {
	if !s.logY {
		if yTop <= 0 {
			return 1
		}
		return yTop / frac
	}
	top := yMin * math.Pow(math.Max(yTop, yMin)/yMin, 1/frac)
	return math.Max(top, 10*yMin)
}

// barWidth returns the width of one bar when the groups share data's
// width evenly.
func (s barChart) barWidth(data draw.Canvas) vg.Length {
	most := 1
	for _, g := range s.groups {
		most = max(most, len(g.bars))
	}
	slot := (data.Max.X - data.Min.X) / vg.Length(len(s.groups))
	return min(max(slot*groupFill/vg.Length(most), 1), maxBarWidth)
}

// widestValueLabel returns the width of the widest value label.
func (s barChart) widestValueLabel(style text.Style) vg.Length {
	var widest vg.Length
	for _, g := range s.groups {
		for _, b := range g.bars {
			widest = max(widest, style.Width(b.label))
		}
	}
	return widest
}

// useSans switches every text of p to the sans-serif face, the title to
// bold.
func useSans(p *plot.Plot) {
	for _, sty := range []*text.Style{
		&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle,
	} {
		sty.Font = sansFont(sty.Font.Size)
	}
	p.Title.TextStyle.Font.Weight = xfont.WeightBold
}

// swatch is a legend thumbnail: a rectangle filled with one colour.
type swatch struct {
	color color.Color
}

// Thumbnail fills c with the swatch's colour, leaving a thin gap above
// and below so that stacked entries stay apart.
func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	inset := min(vg.Points(1), r.Size().Y/4)
	r.Min.Y += inset
	r.Max.Y -= inset
	c.SetColor(s.color)
	c.Fill(r.Path())
}
