package nats

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func parse(t *testing.T, raw string) (config, dialConfig, error) {
	t.Helper()
	u, err := transport.ParseURL(raw)
	require.NoError(t, err)
	return configure(u, transport.Options{}, nil)
}

func TestParseURL_defaults(t *testing.T) {
	c, d, err := parse(t, "nats://")
	require.NoError(t, err)
	assert.Equal(t, []string{"nats://127.0.0.1:4222"}, d.servers)
	assert.Equal(t, ModeJetStream, c.mode)
	assert.Equal(t, transport.DefaultLease, c.lease)
	assert.Equal(t, 0, c.maxDeliveries)
	assert.Equal(t, 1, c.replicas)
	assert.Equal(t, jetstream.FileStorage, c.storage)
	assert.Equal(t, DefaultMaxAge, c.maxAge)
	assert.Equal(t, int64(-1), c.maxBytes)
	assert.Equal(t, DefaultDuplicateWindow, c.duplicateWindow)
	assert.Equal(t, DefaultMaxAckPending, c.maxAckPending)
	assert.Equal(t, DefaultMaxAge, c.inactiveThreshold(), "consumers outlive their listeners as long as the stream keeps notifications")
}

func TestParseURL_options(t *testing.T) {
	c, d, err := parse(t, "nats://u:p%40ss@h1:4223,h2/?mode=core&ack_wait=45&max_deliveries=5&replicas=3"+
		"&storage=memory&max_age=24h&max_bytes=1000000&duplicate_window=5m&max_ack_pending=-1&inactive_threshold=0&name=billing")
	require.NoError(t, err)
	assert.Equal(t, []string{"nats://u:p%40ss@h1:4223", "nats://h2:4222"}, d.servers)
	assert.Equal(t, ModeCore, c.mode)
	assert.Equal(t, 45*time.Second, c.lease)
	assert.Equal(t, 5, c.maxDeliveries)
	assert.Equal(t, 3, c.replicas)
	assert.Equal(t, jetstream.MemoryStorage, c.storage)
	assert.Equal(t, 24*time.Hour, c.maxAge)
	assert.Equal(t, int64(1000000), c.maxBytes)
	assert.Equal(t, 5*time.Minute, c.duplicateWindow)
	assert.Equal(t, -1, c.maxAckPending)
	assert.Equal(t, time.Duration(0), c.inactiveThreshold(), "0 keeps consumers for good")
}

func TestParseURL_tls(t *testing.T) {
	_, d, err := parse(t, "nats+tls://h")
	require.NoError(t, err)
	assert.Equal(t, []string{"tls://h:4222"}, d.servers)
	_, d, err = parse(t, "nats://h?tls=true")
	require.NoError(t, err)
	assert.Equal(t, []string{"tls://h:4222"}, d.servers)

	_, _, err = parse(t, "nats://h?tls_cert=/c.pem")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Contains(t, err.Error(), "tls_cert and tls_key go together")
}

// urlErrors are URLs Open and ValidateURL reject, with part of the error.
var urlErrors = map[string]string{
	"nats://h?bogus=1&other=2":        `unknown options "bogus", "other" for scheme nats (valid: ack_wait, connect_timeout,`,
	"nats://h?mode=push":              `mode="push" is not a mode (valid: jetstream, core)`,
	"nats://h?storage=disk":           `storage="disk" is not a storage (valid: file, memory)`,
	"nats://h?replicas=7":             "replicas 7 is not between 1 and 5",
	"nats://h?ack_wait=soon":          "is not a duration",
	"nats://h?max_bytes=0":            "max bytes 0 must be positive or -1",
	"nats://h/vhost":                  `nats URLs have no virtual host (got "vhost")`,
	"nats://h?reconnect_wait=0":       "reconnect_wait must be positive",
	"nats://h?nkey=/does/not/exist":   "option nkey: reading seed file",
	"nats://h?max_deliveries=-1":      "max deliveries -1 is negative",
	"nats://h?max_ack_pending=0":      "max ack pending 0 must be positive or -1",
	"nats://h?duplicate_window=-1s":   "duplicate window -1s must be positive",
	"nats://h?publish_timeout=0":      "publish timeout 0s must be positive",
	"nats://h?backlog=false":          `unknown option "backlog"`,
	"nats://h?inactive_threshold=-1s": "inactive threshold -1s is negative",
	"nats://h?max_age=-5m":            "max age -5m0s is negative",
	"nats://h?connect_timeout=0.0":    "connect_timeout",
	"nats://h?max_reconnect_wait=0.1": "max_reconnect_wait at least reconnect_wait",
}

func TestParseURL_errors(t *testing.T) {
	for raw, want := range urlErrors {
		t.Run(raw, func(t *testing.T) {
			_, _, err := parse(t, raw)
			require.ErrorIs(t, err, transport.ErrInvalidURL)
			assert.Contains(t, err.Error(), want)
		})
	}
}

// ValidateURL, through the registry, rejects what Open rejects, and
// accepts a good URL without connecting.
func TestValidateURL(t *testing.T) {
	for raw, want := range urlErrors {
		err := transport.ValidateURL(raw)
		require.ErrorIs(t, err, transport.ErrInvalidURL, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
	err := transport.ValidateURL("nats://u:hunter2@h?mode=core&bogus=1")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Contains(t, err.Error(), `unknown option "bogus" for scheme nats (valid: ack_wait,`)
	assert.NotContains(t, err.Error(), "hunter2")
	// Nothing listens on port 1: validating does not connect.
	require.NoError(t, transport.ValidateURL("nats://u:p@127.0.0.1:1,127.0.0.1:2?mode=core&ack_wait=30"))
}

func TestParseURL_secretsNotInErrors(t *testing.T) {
	_, _, err := parse(t, "nats://user:hunter2@h?token=s3cret&bogus=1")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.NotContains(t, err.Error(), "s3cret")
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt < 20; attempt++ {
		d := jittered(100*time.Millisecond, 2*time.Second).Delay(attempt)
		want := min(100*time.Millisecond<<(attempt-1), 2*time.Second)
		assert.LessOrEqual(t, d, want, "attempt %d", attempt)
		assert.GreaterOrEqual(t, d, want*4/5, "attempt %d: at most 20%% jitter", attempt)
	}
}
