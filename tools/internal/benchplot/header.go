package benchplot

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// hostCaption describes the machine of the first report, and says so when
// the other reports ran elsewhere. It is empty when nothing is known.
func hostCaption(reports []Report) string {
	first := reports[0]
	h := first.Host
	var parts []string
	if h.CPUs > 0 {
		parts = append(parts, fmt.Sprintf("%d CPUs", h.CPUs))
	}
	if h.GoVersion != "" {
		parts = append(parts, h.GoVersion)
	}
	if h.OS != "" || h.Arch != "" {
		parts = append(parts, orUnknown(h.OS)+"/"+orUnknown(h.Arch))
	}
	if !first.Started.IsZero() {
		parts = append(parts, "started "+first.Started.UTC().Format(time.DateTime)+" UTC")
	}
	for _, r := range reports[1:] {
		if r.Host != h {
			parts = append(parts, "(later reports ran on other hosts)")
			break
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "host: " + strings.Join(parts, ", ")
}

// drawHeader writes title and caption, each on its own line, at the top
// left of c, skipping empty ones, and returns the height they took.
func drawHeader(c draw.Canvas, title, caption string, margin vg.Length) vg.Length {
	titleStyle := text.Style{
		Color:   color.Black,
		Font:    sansFont(vg.Points(15)),
		YAlign:  draw.YTop,
		Handler: plot.DefaultTextHandler,
	}
	titleStyle.Font.Weight = xfont.WeightBold
	captionStyle := text.Style{
		Color:   color.Gray{Y: 0x50},
		Font:    sansFont(vg.Points(10)),
		YAlign:  draw.YTop,
		Handler: plot.DefaultTextHandler,
	}
	y := c.Max.Y - margin
	for _, line := range []struct {
		text  string
		style text.Style
	}{{title, titleStyle}, {caption, captionStyle}} {
		if line.text == "" {
			continue
		}
		c.FillText(line.style, vg.Point{X: c.Min.X + margin, Y: y}, line.text)
		y -= line.style.Height(line.text) + vg.Points(4)
	}
	return c.Max.Y - y
}
