package benchplot

import "fmt"

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
}

// WithSize sets the size of the PNG image in pixels. Without it the image
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
	c := config{width: defaultWidth, height: defaultHeight, title: defaultTitle}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.width < minWidth || c.width > maxSide || c.height < minHeight || c.height > maxSide {
		return c, fmt.Errorf("benchplot: %dx%d px, want width in [%d, %d] and height in [%d, %d]: %w",
			c.width, c.height, minWidth, maxSide, minHeight, maxSide, ErrInvalidSize)
	}
	return c, nil
}
