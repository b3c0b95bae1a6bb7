package benchplot

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// dpi is the resolution the image is drawn at: a 10pt text is 13px high.
const dpi = 96

// margin is the blank border around the image and between its panels.
const margin = vg.Length(10)

// Render writes to w one image (PNG unless [WithFormat] says otherwise)
// charting reports: a throughput panel
// and, when any run has latency, a latency panel beside it, as described
// in the package documentation. Reports are drawn in the order given.
//
// Render checks its options and reports before drawing: with no reports
// it returns an error wrapping [ErrNoReports]; when a report has no runs,
// one wrapping [ErrNoRuns] and naming the report by index, transport and
// scenario; for unplottable figures, [ErrInvalidReport]; for a bad size,
// [ErrInvalidSize]. On any of these it writes nothing to w. An error
// writing to w is returned wrapped. Render does not modify reports.
func Render(w io.Writer, reports []Report, opts ...Option) error {
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

	canvas := newCanvas(cfg)
	dc := draw.New(canvas)
	if cfg.format != FormatPNG {
		fillWhite(dc) // vgimg fills its image white; the others start transparent
	}
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

	if _, err := canvas.WriteTo(w); err != nil {
		return fmt.Errorf("benchplot: writing %s: %w", strings.ToUpper(cfg.format), err)
	}
	return nil
}

// newCanvas returns a canvas of cfg's size and format.
func newCanvas(cfg config) vg.CanvasWriterTo {
	w, h := vg.Length(cfg.width)*vg.Inch/dpi, vg.Length(cfg.height)*vg.Inch/dpi
	switch cfg.format {
	case FormatSVG:
		return vgsvg.NewWith(vgsvg.UseWH(w, h), vgsvg.EmbedFonts(true))
	case FormatPDF:
		return pdfCanvas{vgpdf.New(w, h)}
	default:
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(
			vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, cfg.width, cfg.height))),
			vgimg.UseDPI(dpi),
		)}
	}
}

// fillWhite paints the whole of dc white.
func fillWhite(dc draw.Canvas) {
	r := dc.Rectangle
	var p vg.Path
	p.Move(r.Min)
	p.Line(vg.Point{X: r.Max.X, Y: r.Min.Y})
	p.Line(r.Max)
	p.Line(vg.Point{X: r.Min.X, Y: r.Max.Y})
	p.Close()
	dc.SetColor(color.White)
	dc.Fill(p)
}
