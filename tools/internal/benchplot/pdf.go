package benchplot

import (
	xfont "golang.org/x/image/font"
	"golang.org/x/text/encoding/charmap"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgpdf"
)

// pdfCanvas works around two faults of vgpdf (gonum plot v0.17).
//   - Bold text fails: vgpdf registers a bold face under its own name
//     ("LiberationSans-Bold") with no style, then asks for that name with
//     style "B", which is undefined. Bold text is drawn with its bold face
//     under a name of its own and no style.
//   - It embeds fonts with the cp1252 code page but passes strings as
//     UTF-8, so "µs" came out as "Âµs". Strings are encoded to cp1252
//     (every character the charts use is in it).
type pdfCanvas struct{ *vgpdf.Canvas }

// FillString draws str, working around the faults described above.
func (c pdfCanvas) FillString(f font.Face, pt vg.Point, str string) {
	if f.Font.Weight == xfont.WeightBold {
		f.Font.Variant += "Bold"
		f.Font.Weight = xfont.WeightNormal
	}
	if s, err := charmap.Windows1252.NewEncoder().String(str); err == nil {
		str = s
	}
	c.Canvas.FillString(f, pt, str)
}
