package endpoints

import (
	"context"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/dispatcher"
)

// logEndpoint writes one structured line per notification.
type logEndpoint struct {
	log   *zap.Logger
	level zapcore.Level
}

func newLog(name string, o config.LogOptions, log *zap.Logger) (*logEndpoint, error) {
	lvl, err := zapcore.ParseLevel(o.Level)
	if err != nil {
		return nil, err
	}
	return &logEndpoint{log: log.With(zap.String("endpoint", name)), level: lvl}, nil
}

func (l *logEndpoint) Handle(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	if ce := l.log.Check(l.level, "notification"); ce != nil {
		ce.Write(
			zap.String("priority", string(n.Priority)),
			zap.String("event_type", n.EventType),
			zap.String("publisher_id", n.PublisherID),
			zap.String("message_id", n.Metadata.MessageID),
			zap.String("timestamp", n.Metadata.Timestamp),
			zap.Int("deliveries", n.Metadata.Deliveries),
			// Reflect keeps the payload as JSON in the line (a
			// json.RawMessage is a []byte, which zap.Any would
			// base64-encode).
			zap.Reflect("payload", n.Payload),
			zap.Reflect("context", n.Context),
		)
	}
	return dispatcher.Handled
}

func (l *logEndpoint) HandleBatch(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	for _, n := range ns {
		l.Handle(ctx, n)
	}
	return dispatcher.Handled
}

func (l *logEndpoint) Close() error { return nil }
