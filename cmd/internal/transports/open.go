package transports

import (
	"context"

	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// Open opens the transport rawURL names with every driver registered and
// log as the transport's logger (nil means no logging). Errors are
// transport.Open's: they wrap transport.ErrInvalidURL or
// transport.ErrUnknownScheme for a bad URL, never show a password, and
// otherwise say why the broker could not be reached.
func Open(ctx context.Context, rawURL string, log *zap.Logger, opts ...transport.Option) (transport.Transport, error) {
	if log != nil {
		opts = append([]transport.Option{transport.WithLogger(log)}, opts...)
	}
	return transport.Open(ctx, rawURL, opts...)
}

// Schemes lists the URL schemes the programs accept, sorted.
func Schemes() []string { return transport.Schemes() }

// ValidateURL checks rawURL as Open would, without connecting: its
// scheme, and its options with the driver's own checks (an unknown one's
// error lists the valid ones). The error never shows a password.
func ValidateURL(rawURL string) error { return transport.ValidateURL(rawURL) }
