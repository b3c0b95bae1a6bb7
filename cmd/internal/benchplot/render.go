package benchplot

import (
	"fmt"
	"image"
	"io"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/harkmq/hark/cmd/internal/bench"
)

// dpi is the resolution the image is drawn at: a 10pt text is 13px high.
const dpi = 96

// margin is the blank border around the image and between its panels.
const margin = vg.Length(10)

// Render writes to w one PNG image charting reports: a throughput panel
// and, when any run has latency, a latency panel beside it, as described
// in the package documentation. Reports are drawn in the order given.
//
// Render checks its options and reports before drawing: with no reports
// it returns an error wrapping [ErrNoReports]; when a report has no runs,
// one wrapping [ErrNoRuns] and naming the report by index, transport and
// scenario; for unplottable figures, [ErrInvalidReport]; for a bad size,
// [ErrInvalidSize]. On any of these it writes nothing to w. An error
// writing to w is returned wrapped. Render does not modify reports.
func Render(w io.Writer, reports []bench.Report, opts ...Option) error {
	cfg, err := newConfig(opts)
	if err != nil {
		return err
	}
	if err := validate(reports); err != nil {
		return err
	}

	order := contenderOrder(reports)
	colors := newPalette(order)
	charts := []barChart{throughputChart(reports, order, colors)}
	if lat, ok := latencyChart(reports, order, colors); ok {
		charts = append(charts, lat)
	}

	canvas := vgimg.NewWith(
		vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, cfg.width, cfg.height))),
		vgimg.UseDPI(dpi),
	)
	dc := draw.New(canvas)
	header := drawHeader(dc, cfg.title, hostCaption(reports), margin)
	tiles := draw.Tiles{
		Rows:      1,
		Cols:      len(charts),
		PadTop:    header + margin,
		PadBottom: margin,
		PadLeft:   margin,
		PadRight:  margin,
		PadX:      3 * margin,
	}
	for i, chart := range charts {
		area := tiles.At(dc, i, 0)
		p, err := chart.plot(area)
		if err != nil {
			return err
		}
		p.Draw(area)
	}

	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(w); err != nil {
		return fmt.Errorf("benchplot: writing PNG: %w", err)
	}
	return nil
}
