package config

import (
	"time"

	"github.com/harkmq/hark/cmd/internal/transports"
	"github.com/harkmq/hark/notify"
)

// Defaults not expressed in Default's map.
const (
	defaultWebhookTimeout      = 5 * time.Second
	defaultWebhookRetriesDelay = time.Second
	defaultForwardTimeout      = 10 * time.Second
	defaultExecTimeout         = 30 * time.Second
	// DefaultHTTPListen is the operations server's default address.
	DefaultHTTPListen = "127.0.0.1:9090"
	// DefaultShutdownTimeout bounds a graceful shutdown by default.
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultBacklogInterval is how often harkd refreshes
	// hark_backlog_messages by default.
	DefaultBacklogInterval = 5 * time.Second
)

// defaults returns the default config as the nested map koanf loads first.
// Lists are replaced, not merged, by later layers: a file's targets
// replace the default target.
func defaults() map[string]any {
	return map[string]any{
		"transport_url":   "",
		"startup_timeout": "0s",
		"embedded": map[string]any{
			"listen":    transports.DefaultEmbeddedListen,
			"store_dir": transports.DefaultStoreDir,
		},
		"listener": map[string]any{
			"targets":  []any{map[string]any{"exchange": "openstack", "topic": "notifications"}},
			"pool":     "",
			"start":    "",
			"executor": "pooled",
			"workers":  64,
			"prefetch": 0,
			"batch":    map[string]any{"size": 0, "timeout": "0s"},
			"requeue": map[string]any{
				"allow":          true,
				"max_deliveries": 5,
				"backoff":        []any{"1s", "10s", "1m"},
			},
			"dead_letter":      map[string]any{"topic": ""},
			"dedup":            map[string]any{"size": notify.DefaultDedupSize, "window": "0s"},
			"shutdown_timeout": DefaultShutdownTimeout.String(),
		},
		"http":    map[string]any{"listen": DefaultHTTPListen},
		"metrics": map[string]any{"backlog_interval": DefaultBacklogInterval.String()},
		"log":     map[string]any{"level": "info", "format": "json"},
	}
}

// defaultEndpoints is the endpoint list when the config has none: log
// every notification.
func defaultEndpoints() []any {
	return []any{map[string]any{"name": "log", "type": TypeLog}}
}

// Default returns the configuration harkd runs with when given nothing:
// embedded NATS, exchange openstack, topic notifications, a log endpoint.
func Default() *Config {
	c, err := Load(Options{})
	if err != nil {
		// The defaults are constants; failing to load them is a bug.
		panic("config: the defaults do not load: " + err.Error())
	}
	return c
}
