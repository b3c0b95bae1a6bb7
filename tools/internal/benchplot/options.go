package benchplot

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Image size bounds, in pixels.
const (
	defaultWidth  = 1400
	defaultHeight = 600
	minWidth      = 640
	minHeight     = 400
	maxSide       = 16384
)

// defaultTitle is the title drawn when WithTitle is not given.
const defaultTitle = "hark bench"

// Option configures [Render]. Options apply in order, so a later option
// overrides an earlier one of the same kind. A nil Option is ignored.
type Option func(*config)

// config holds the settings of one Render call.
type config struct {
	width, height int
	title         string
	format        string
}

// The formats Render writes.
const (
	// FormatPNG is a PNG image of exactly the size set, in pixels.
	FormatPNG = "png"
	// FormatSVG is an SVG drawing, fonts embedded, of the same size at 96 dpi.
	FormatSVG = "svg"
	// FormatPDF is a one-page PDF, fonts embedded, of the same size at 96 dpi.
	FormatPDF = "pdf"
)

// formats are the formats Render writes, in the order error messages list
// them.
var formats = []string{FormatPNG, FormatSVG, FormatPDF}

// WithFormat sets the format Render writes: [FormatPNG] (the default),
// [FormatSVG] or [FormatPDF]. Another value makes Render return an error
// wrapping [ErrInvalidFormat].
func WithFormat(format string) Option {
	return func(c *config) {
		c.format = format
	}
}

// FormatOf returns the format a file name's extension names, case
// ignored: "bench.svg" is [FormatSVG]. A name without one of the three
// extensions is an error wrapping [ErrInvalidFormat].
func FormatOf(name string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	if !slices.Contains(formats, ext) {
		return "", fmt.Errorf("benchplot: %s: the extension gives the format, want .%s: %w", name, strings.Join(formats, ", ."), ErrInvalidFormat)
	}
	return ext, nil
}

// WithSize sets the size of the image in pixels. Without it the image
// is 1400x600. Width must be in [640, 16384] and height in [400, 16384];
// otherwise Render returns an error wrapping [ErrInvalidSize]. Text sizes
// do not scale with the image: a smaller image leaves less room per bar.
func WithSize(width, height int) Option {
	return func(c *config) {
		c.width, c.height = width, height
	}
}

// WithTitle sets the title drawn at the top of the image. Without it the
// title is "hark bench"; an empty title draws none. The host caption
// below the title is drawn either way.
func WithTitle(title string) Option {
	return func(c *config) {
		c.title = title
	}
}

// newConfig applies opts to the defaults and checks the result.
func newConfig(opts []Option) (config, error) {
	c := config{width: defaultWidth, height: defaultHeight, title: defaultTitle, format: FormatPNG}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.width < minWidth || c.width > maxSide || c.height < minHeight || c.height > maxSide {
		return c, fmt.Errorf("benchplot: %dx%d px, want width in [%d, %d] and height in [%d, %d]: %w",
			c.width, c.height, minWidth, maxSide, minHeight, maxSide, ErrInvalidSize)
	}
	if !slices.Contains(formats, c.format) {
		return c, fmt.Errorf("benchplot: format %q, want one of %s: %w", c.format, strings.Join(formats, ", "), ErrInvalidFormat)
	}
	return c, nil
}
