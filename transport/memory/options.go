package memory

import "go.uber.org/zap"

// Option configures NewBroker.
type Option func(*brokerConfig)

type brokerConfig struct {
	logger         *zap.Logger
	maxQueueLength int
}

// WithLogger sets the logger of the broker and the default logger of its
// transports. Defaults to a no-op logger; nil means the default.
func WithLogger(l *zap.Logger) Option {
	return func(c *brokerConfig) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithMaxQueueLength bounds every queue to n ready messages: a message
// arriving at a full queue pushes out the oldest ready one, which is
// dropped with a warning (RabbitMQ's x-max-length with its default
// drop-head overflow). Messages handed out, or waiting for a delayed
// requeue, do not count. It keeps a long-running process from growing
// without bound when it sends to a key nobody listens to without a pool,
// whose queue otherwise keeps every message for the broker's life.
// Defaults to 0: no limit.
func WithMaxQueueLength(n int) Option {
	return func(c *brokerConfig) {
		if n > 0 {
			c.maxQueueLength = n
		}
	}
}
