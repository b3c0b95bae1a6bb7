package config

// Endpoint types.
const (
	TypeLog     = "log"
	TypeFile    = "file"
	TypeWebhook = "webhook"
	TypeForward = "forward"
	TypeExec    = "exec"
)

// Types lists the endpoint types, in the order the docs describe them.
func Types() []string { return []string{TypeLog, TypeFile, TypeWebhook, TypeForward, TypeExec} }

// LogOptions configures a log endpoint: one structured line per
// notification.
type LogOptions struct {
	// Level of the lines: debug, info, warn or error. Default info.
	Level string `koanf:"level" yaml:"level"`
}

// FileOptions configures a file endpoint: JSON Lines appended to Path.
type FileOptions struct {
	// Path of the file; created if missing, appended to otherwise.
	Path string `koanf:"path" yaml:"path"`
	// MaxSize rotates the file before a write would take it past this
	// size ("100MB", "1GiB", or bytes); 0 = never rotate.
	MaxSize ByteSize `koanf:"max_size" yaml:"max_size"`
	// MaxFiles is how many rotated files (path.1 ... path.N) to keep.
	MaxFiles int `koanf:"max_files" yaml:"max_files"`
	// Sync calls fsync after every write (notification or batch), so a
	// power loss cannot lose an acknowledged notification. Slower.
	Sync bool `koanf:"sync" yaml:"sync"`
}

// WebhookOptions configures a webhook endpoint: an HTTP POST per
// notification.
type WebhookOptions struct {
	// URL to POST to (http or https).
	URL string `koanf:"url" yaml:"url"`
	// Headers added to every request; values may use ${VAR}.
	Headers map[string]string `koanf:"headers" yaml:"headers,omitempty"`
	// Timeout of one request. Default 5s.
	Timeout Duration `koanf:"timeout" yaml:"timeout"`
	// Retries after a 429, 5xx, timeout or connection error before the
	// notification is requeued. Default 3.
	Retries int `koanf:"retries" yaml:"retries"`
	// RetriesDelay between those retries. Default 1s.
	RetriesDelay Duration `koanf:"retries_delay" yaml:"retries_delay"`
	// Secret, when set, signs the body: header SignatureHeader carries
	// "sha256=" + hex(HMAC-SHA256(Secret, body)).
	Secret string `koanf:"secret" yaml:"secret,omitempty"`
	// SignatureHeader names the signature header. Default
	// "X-Hark-Signature".
	SignatureHeader string `koanf:"signature_header" yaml:"signature_header"`
}

// ForwardOptions configures a forward endpoint: the notification is
// republished, byte for byte and with its message id, elsewhere.
type ForwardOptions struct {
	// TransportURL of the destination; "" = the listener's transport.
	TransportURL string `koanf:"transport_url" yaml:"transport_url"`
	// Exchange of the destination; "" = the transport's default.
	Exchange string `koanf:"exchange" yaml:"exchange"`
	// Topic of the destination. Required.
	Topic string `koanf:"topic" yaml:"topic"`
	// Timeout bounds one publish, confirmation included. Default 10s.
	Timeout Duration `koanf:"timeout" yaml:"timeout"`
}

// ExecOptions configures an exec endpoint: a command run per notification
// with the notification's JSON on stdin.
type ExecOptions struct {
	// Command is the program and its arguments (no shell).
	Command []string `koanf:"command" yaml:"command,flow"`
	// Timeout kills the command after this long (a timeout requeues).
	// Default 30s.
	Timeout Duration `koanf:"timeout" yaml:"timeout"`
	// Env adds variables to the command's environment (harkd's own
	// environment is passed too).
	Env map[string]string `koanf:"env" yaml:"env,omitempty"`
	// Dir is the working directory; "" = harkd's.
	Dir string `koanf:"dir" yaml:"dir,omitempty"`
}

// options returns e's option block, or nil.
func (e *Endpoint) options() any {
	switch {
	case e.Log != nil:
		return e.Log
	case e.File != nil:
		return e.File
	case e.Webhook != nil:
		return e.Webhook
	case e.Forward != nil:
		return e.Forward
	case e.Exec != nil:
		return e.Exec
	}
	return nil
}

// newOptions returns the option block of type typ with its defaults, or
// nil for an unknown type.
func newOptions(typ string) any {
	switch typ {
	case TypeLog:
		return &LogOptions{Level: "info"}
	case TypeFile:
		return &FileOptions{MaxFiles: 5}
	case TypeWebhook:
		return &WebhookOptions{Timeout: Duration(defaultWebhookTimeout), Retries: 3,
			RetriesDelay: Duration(defaultWebhookRetriesDelay), SignatureHeader: "X-Hark-Signature"}
	case TypeForward:
		return &ForwardOptions{Timeout: Duration(defaultForwardTimeout)}
	case TypeExec:
		return &ExecOptions{Timeout: Duration(defaultExecTimeout)}
	}
	return nil
}

// setOptions stores opts (from newOptions) in e.
func (e *Endpoint) setOptions(opts any) {
	switch o := opts.(type) {
	case *LogOptions:
		e.Log = o
	case *FileOptions:
		e.File = o
	case *WebhookOptions:
		e.Webhook = o
	case *ForwardOptions:
		e.Forward = o
	case *ExecOptions:
		e.Exec = o
	}
}
