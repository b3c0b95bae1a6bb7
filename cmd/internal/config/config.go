package config

import (
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
)

// Config is harkd's configuration. Its koanf tags are the config keys of
// the harkd contract (DESIGN.md); its yaml tags print it back in the same
// shape.
type Config struct {
	// TransportURL names the broker, e.g. "rabbit://user:pass@host:5672/"
	// or "nats://127.0.0.1:4222". Empty starts the embedded NATS server and
	// uses it.
	TransportURL string `koanf:"transport_url" yaml:"transport_url"`
	// Embedded configures the embedded NATS server (used only when
	// TransportURL is empty).
	Embedded Embedded `koanf:"embedded" yaml:"embedded"`
	// StartupTimeout bounds how long harkd tries to connect and start
	// listening: when it passes before harkd is ready, harkd exits 1 with
	// the last error. 0 (the default) retries forever, which suits a
	// supervisor that restarts nothing while the broker is away.
	StartupTimeout Duration `koanf:"startup_timeout" yaml:"startup_timeout"`
	// Listener is the listener block.
	Listener Listener `koanf:"listener" yaml:"listener"`
	// Endpoints receive the notifications, in this order.
	Endpoints []Endpoint `koanf:"endpoints" yaml:"endpoints"`
	// HTTP configures the /metrics, /healthz and /readyz server.
	HTTP HTTP `koanf:"http" yaml:"http"`
	// Metrics configures what /metrics reports beyond the counters.
	Metrics Metrics `koanf:"metrics" yaml:"metrics"`
	// Log configures harkd's own logs.
	Log Log `koanf:"log" yaml:"log"`

	// Warnings are things Load noticed but accepted, e.g. a HARK_*
	// environment variable that is not a config key. Not part of the
	// config.
	Warnings []string `koanf:"-" yaml:"-"`

	// expanded are the ${VAR} the file used (Secrets).
	expanded []expansion
}

// Embedded is where the embedded NATS server listens and keeps its data.
type Embedded struct {
	// Listen is the TCP address, default "127.0.0.1:4222".
	Listen string `koanf:"listen" yaml:"listen"`
	// StoreDir is the JetStream store directory, default "./hark-data".
	StoreDir string `koanf:"store_dir" yaml:"store_dir"`
}

// Listener configures one notification listener.
type Listener struct {
	// Targets are the exchange/topic pairs to listen on.
	Targets []Target `koanf:"targets" yaml:"targets"`
	// Pool is the listener pool ("" = the non-pooled group).
	Pool string `koanf:"pool" yaml:"pool"`
	// Start is where the group starts reading when it does not exist
	// yet on the broker: "" (the transport's default), "new", "all", or
	// an RFC 3339 time such as "2026-12-01T00:00:00Z"
	// (transport.ParseStartPosition). It never moves an existing group.
	Start string `koanf:"start" yaml:"start"`
	// Executor is "pooled" (Workers concurrent handlers) or "blocking"
	// (one at a time, in order).
	Executor string `koanf:"executor" yaml:"executor"`
	// Workers is the pooled executor's size.
	Workers int `koanf:"workers" yaml:"workers"`
	// Prefetch bounds unsettled deliveries; 0 = 2 x Workers.
	Prefetch int `koanf:"prefetch" yaml:"prefetch"`
	// Batch makes a batch listener when Batch.Size > 0.
	Batch Batch `koanf:"batch" yaml:"batch"`
	// Requeue says what a REQUEUE result does.
	Requeue Requeue `koanf:"requeue" yaml:"requeue"`
	// DeadLetter says where dead letters go.
	DeadLetter DeadLetter `koanf:"dead_letter" yaml:"dead_letter"`
	// Dedup configures duplicate suppression by message id.
	Dedup Dedup `koanf:"dedup" yaml:"dedup"`
	// ShutdownTimeout bounds how long a shutdown (or a reload) waits for
	// in-flight notifications.
	ShutdownTimeout Duration `koanf:"shutdown_timeout" yaml:"shutdown_timeout"`
}

// Target is an exchange and a topic. In an environment variable a list of
// targets is written "exchange/topic,topic2" (the exchange is optional).
type Target struct {
	// Exchange; "" = the transport's default ("openstack").
	Exchange string `koanf:"exchange" yaml:"exchange"`
	// Topic, e.g. "notifications". Required.
	Topic string `koanf:"topic" yaml:"topic"`
}

// Batch configures a batch listener.
type Batch struct {
	// Size > 0 makes the listener a batch listener delivering up to Size
	// notifications per call.
	Size int `koanf:"size" yaml:"size"`
	// Timeout flushes a partial batch this long after its first
	// notification; 0 = the library default.
	Timeout Duration `koanf:"timeout" yaml:"timeout"`
}

// Requeue is the requeue policy (notify.RequeuePolicy).
type Requeue struct {
	// Allow turns requeueing on; without it REQUEUE drops the notification
	// (oslo's allow_requeue=False).
	Allow bool `koanf:"allow" yaml:"allow"`
	// MaxDeliveries dead-letters a notification after that many
	// deliveries; 0 = the library default (5), -1 = no cap.
	MaxDeliveries int `koanf:"max_deliveries" yaml:"max_deliveries"`
	// Backoff is the delay before each redelivery; the last one repeats.
	Backoff []Duration `koanf:"backoff" yaml:"backoff"`
}

// DeadLetter configures the dead-letter destination.
type DeadLetter struct {
	// Topic on the same exchange; "" = "<topic>.dlq".
	Topic string `koanf:"topic" yaml:"topic"`
}

// Dedup configures duplicate suppression (notify.WithDedup,
// notify.WithDedupWindow): a redelivery of a notification acknowledged
// within the window is acknowledged again without being dispatched.
type Dedup struct {
	// Size is the most message ids remembered; when it is reached the
	// oldest go first. 0 turns duplicate suppression off. Default
	// notify.DefaultDedupSize (100000: about 1,600 notifications a second
	// over the default 60s window, about 6 MiB when full).
	Size int `koanf:"size" yaml:"size"`
	// Window is how long an id is remembered; 0 (the default) = the
	// listener's lease plus the larger of the lease and 30s
	// (notify.DefaultDedupWindow: 60s).
	Window Duration `koanf:"window" yaml:"window"`
}

// HTTP configures the operations HTTP server.
type HTTP struct {
	// Listen is the address of /metrics, /healthz and /readyz; "" turns
	// the server off.
	Listen string `koanf:"listen" yaml:"listen"`
}

// Metrics configures the metrics that harkd computes by asking the
// broker.
type Metrics struct {
	// BacklogInterval is how often hark_backlog_messages is refreshed
	// by asking the broker; 0 turns the metric off. Default 5s.
	BacklogInterval Duration `koanf:"backlog_interval" yaml:"backlog_interval"`
}

// Log configures harkd's logs.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `koanf:"level" yaml:"level"`
	// Format is json or console.
	Format string `koanf:"format" yaml:"format"`
}

// Endpoint is one entry of the endpoints list: the keys every endpoint
// has, and exactly one of the option blocks, the one Type names (the
// others are nil). In the file the options sit beside the common keys.
type Endpoint struct {
	// Name identifies the endpoint in logs, metrics and dead letters.
	// Default: the type, which must then be unique.
	Name string `koanf:"name" yaml:"name"`
	// Type is log, file, webhook, forward or exec.
	Type string `koanf:"type" yaml:"type"`
	// Priorities the endpoint receives; empty = all seven.
	Priorities []string `koanf:"priorities" yaml:"priorities,flow"`
	// Filter restricts the notifications the endpoint receives (oslo's
	// filter_rule, Python re.match semantics).
	Filter dispatcher.FilterSpec `koanf:"filter" yaml:"filter,omitempty"`

	Log     *LogOptions     `koanf:"-" yaml:"-"`
	File    *FileOptions    `koanf:"-" yaml:"-"`
	Webhook *WebhookOptions `koanf:"-" yaml:"-"`
	Forward *ForwardOptions `koanf:"-" yaml:"-"`
	Exec    *ExecOptions    `koanf:"-" yaml:"-"`
}

// StartPosition returns the parsed Start; call it on a validated config
// (an invalid Start gives the transport's default).
func (l Listener) StartPosition() transport.StartPosition {
	p, _ := transport.ParseStartPosition(l.Start)
	return p
}

// Listeners returns the listener blocks. There is one today; callers that
// range over this list keep working when the config grows a "listeners:"
// list.
func (c *Config) Listeners() []Listener { return []Listener{c.Listener} }
