package notify

import (
	"time"

	"go.uber.org/zap"
)

// The option names before hark adopted one style (With…) for every
// functional option. Each is the new option under its old name, so code
// written against them keeps compiling and behaves the same.

// PublisherID is WithPublisherID.
//
// Deprecated: use WithPublisherID.
func PublisherID(id string) NotifierOption { return WithPublisherID(id) }

// Driver is WithDriverNames.
//
// Deprecated: use WithDriverNames (WithDriver, which adds a custom driver,
// is unchanged).
func Driver(names ...string) NotifierOption { return WithDriverNames(names...) }

// Topics is WithTopics.
//
// Deprecated: use WithTopics.
func Topics(topics ...string) NotifierOption { return WithTopics(topics...) }

// Exchange is WithExchange.
//
// Deprecated: use WithExchange.
func Exchange(name string) NotifierOption { return WithExchange(name) }

// Retry is WithRetry.
//
// Deprecated: use WithRetry.
func Retry(n int) NotifierOption { return WithRetry(n) }

// RetryBackoff is WithRetryBackoff.
//
// Deprecated: use WithRetryBackoff.
func RetryBackoff(start, step, max time.Duration) NotifierOption {
	return WithRetryBackoff(start, step, max)
}

// AttemptTimeout is WithAttemptTimeout.
//
// Deprecated: use WithAttemptTimeout.
func AttemptTimeout(d time.Duration) NotifierOption { return WithAttemptTimeout(d) }

// Compression is WithCompression.
//
// Deprecated: use WithCompression.
func Compression(name string) NotifierOption { return WithCompression(name) }

// RoutingConfig is WithRoutingConfig.
//
// Deprecated: use WithRoutingConfig.
func RoutingConfig(path string) NotifierOption { return WithRoutingConfig(path) }

// RoutingConfigData is WithRoutingConfigData.
//
// Deprecated: use WithRoutingConfigData.
func RoutingConfigData(yaml []byte) NotifierOption { return WithRoutingConfigData(yaml) }

// NotifierLogger is WithNotifierLogger.
//
// Deprecated: use WithNotifierLogger.
func NotifierLogger(l *zap.Logger) NotifierOption { return WithNotifierLogger(l) }

// PreparePublisherID is WithPreparePublisherID.
//
// Deprecated: use WithPreparePublisherID.
func PreparePublisherID(id string) PrepareOption { return WithPreparePublisherID(id) }

// PrepareRetry is WithPrepareRetry.
//
// Deprecated: use WithPrepareRetry.
func PrepareRetry(retry int) PrepareOption { return WithPrepareRetry(retry) }

// ContextKeys is WithContextKeys.
//
// Deprecated: use WithContextKeys.
func ContextKeys(keys ...string) SendOption { return WithContextKeys(keys...) }
