package rabbit

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func parse(t *testing.T, raw string) (config, dialTarget, error) {
	t.Helper()
	u, err := transport.ParseURL(raw)
	require.NoError(t, err)
	c, d, _, err := configure(u, transport.Options{}, nil)
	return c, d, err
}

func TestParseURLDefaults(t *testing.T) {
	c, d, err := parse(t, "rabbit://")
	require.NoError(t, err)
	// oslo: no host at all means amqp://guest:guest@localhost:5672/.
	assert.Equal(t, []endpoint{{addr: "localhost:5672", hostname: "localhost", username: "guest", password: "guest"}}, d.endpoints)
	assert.Equal(t, "/", d.vhost)
	assert.Equal(t, "openstack", c.exchange)
	assert.False(t, c.durable())
	assert.False(t, c.autoDelete)
	assert.Zero(t, c.prefetch)
	assert.Equal(t, DefaultHeartbeat, c.heartbeat)
	assert.Equal(t, DefaultHeartbeatRate, c.heartbeatRate)
	assert.Equal(t, RoundRobin, c.failover)
	assert.Equal(t, "AMQPLAIN", c.loginMethod)
	assert.Equal(t, DefaultRetryPolicy(), c.retry)
	assert.Nil(t, c.tls)
	assert.Nil(t, queueArgs(&c), "no queue arguments by default, as oslo")
}

func TestParseURLHostsAndVhost(t *testing.T) {
	_, d, err := parse(t, "rabbit://us%40er:p%3Aw:d@h1:5673,h2,[::1]:5674/v%2Fh")
	require.NoError(t, err)
	assert.Equal(t, []endpoint{
		{addr: "h1:5673", hostname: "h1", username: "us@er", password: "p:w:d"},
		// oslo: credentials are not carried over to the next host.
		{addr: "h2:5672", hostname: "h2"},
		{addr: "[::1]:5674", hostname: "::1"},
	}, d.endpoints)
	assert.Equal(t, "v/h", d.vhost)
	assert.True(t, d.mixedCredentials)

	for raw, vhost := range map[string]string{
		"rabbit://h":       "/",
		"rabbit://h/":      "/",
		"rabbit://h//":     "/",
		"rabbit://h/nova":  "nova",
		"amqp://h/%2Fnova": "/nova",
	} {
		_, d, err := parse(t, raw)
		require.NoError(t, err, raw)
		assert.Equal(t, vhost, d.vhost, raw)
	}
	_, d, err = parse(t, "amqps://u:p@h/")
	require.NoError(t, err)
	assert.Equal(t, "h:5671", d.endpoints[0].addr, "amqps defaults to port 5671")
}

func TestParseURLOsloOptions(t *testing.T) {
	c, _, err := parse(t, "rabbit://u:p@h:5672/?amqp_durable_queues=true&amqp_auto_delete=yes"+
		"&rabbit_qos_prefetch_count=10&heartbeat_timeout_threshold=30&heartbeat_rate=2"+
		"&kombu_compression=gzip&kombu_failover_strategy=shuffle&kombu_reconnect_delay=0.5"+
		"&rabbit_retry_interval=2&rabbit_retry_backoff=3&rabbit_interval_max=10"+
		"&rabbit_login_method=PLAIN&control_exchange=nova&enable_cancel_on_failover=true"+
		"&rpc_conn_pool_size=30&rabbit_transient_queues_ttl=1800")
	require.NoError(t, err)
	assert.True(t, c.durableQueues)
	assert.True(t, c.durable())
	assert.True(t, c.autoDelete)
	assert.Equal(t, 10, c.prefetch)
	assert.Equal(t, 30*time.Second, c.heartbeat)
	assert.Equal(t, 2, c.heartbeatRate)
	assert.Equal(t, "gzip", c.compression)
	assert.Equal(t, Shuffle, c.failover)
	assert.Equal(t, 500*time.Millisecond, c.reconnectDelay)
	assert.Equal(t, RetryPolicy{MaxRetries: -1, IntervalStart: 2 * time.Second, IntervalStep: 3 * time.Second, IntervalMax: 10 * time.Second}, c.retry)
	assert.Equal(t, "PLAIN", c.loginMethod)
	assert.Equal(t, "nova", c.exchange)
	assert.True(t, c.cancelOnFailover)
}

func TestParseURLQuorumArguments(t *testing.T) {
	c, _, err := parse(t, "rabbit://h/?rabbit_quorum_queue=true&rabbit_quorum_delivery_limit=5&rabbit_quorum_max_memory_length=100")
	require.NoError(t, err)
	assert.True(t, c.durable(), "quorum queues are durable")
	assert.Equal(t, map[string]any{"x-queue-type": "quorum", "x-delivery-limit": int32(5), "x-max-in-memory-length": int32(100)}, map[string]any(queueArgs(&c)))

	c, _, err = parse(t, "rabbit://h/?rabbit_ha_queues=true")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"x-ha-policy": "all"}, map[string]any(queueArgs(&c)))

	_, _, err = parse(t, "rabbit://h/?rabbit_ha_queues=true&rabbit_quorum_queue=true")
	assert.ErrorIs(t, err, transport.ErrInvalidConfig, "oslo raises RuntimeError for ha + quorum")
}

// urlErrors are URLs Open and ValidateURL reject, with part of the error.
var urlErrors = map[string]string{
	"rabbit://h/?rabbit_qos_prefetch=1":                 `unknown option "rabbit_qos_prefetch"`,
	"rabbit://h/?amqp_durable_queues=maybe":             "amqp_durable_queues",
	"rabbit://h/?rabbit_qos_prefetch_count=-1":          "out of range",
	"rabbit://h/?rabbit_qos_prefetch_count=70000":       "out of range",
	"rabbit://h/?kombu_compression=snappy":              "kombu_compression",
	"rabbit://h/?kombu_failover_strategy=random":        "failover strategy",
	"rabbit://h/?rabbit_login_method=RABBIT-CR-DEMO":    "login method",
	"rabbit://h/?heartbeat_rate=0":                      "heartbeat_rate",
	"rabbit://h/?heartbeat_timeout_threshold=0.5":       "under a second",
	"rabbit://h/?control_exchange=a.b":                  "control_exchange",
	"rabbit://h/?ssl=true&ssl_version=sslv3":            "ssl_version",
	"rabbit://h/?ssl=true&ssl_ca_file=/nonexistent.pem": "ssl_ca_file",
	"rabbit://h/?ssl=true&ssl_key_file=/k.pem":          "ssl_key_file needs ssl_cert_file",
}

func TestParseURLErrors(t *testing.T) {
	for raw, want := range urlErrors {
		_, _, err := parse(t, raw)
		require.Error(t, err, raw)
		assert.ErrorIs(t, err, transport.ErrInvalidURL, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
	_, _, err := parse(t, "rabbit://u:secret@h/?bogus=1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "amqp_durable_queues", "the error lists the valid options")
	assert.NotContains(t, err.Error(), "secret")
}

// ValidateURL, through the registry, rejects what Open rejects, and
// accepts a good URL without connecting.
func TestValidateURL(t *testing.T) {
	for raw, want := range urlErrors {
		err := transport.ValidateURL(raw)
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
	err := transport.ValidateURL("rabbit://u:secret@h/?heartbeat_rate=3&rabbit_qos_prefetch=1")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Contains(t, err.Error(), `unknown option "rabbit_qos_prefetch" for scheme rabbit (valid: amqp_auto_delete, amqp_durable_queues,`)
	assert.NotContains(t, err.Error(), "secret")
	err = transport.ValidateURL("rabbit://h/?rabbit_ha_queues=true&rabbit_quorum_queue=true")
	assert.ErrorIs(t, err, transport.ErrInvalidConfig)
	// Nothing listens on port 1: validating does not connect.
	require.NoError(t, transport.ValidateURL("amqps://u:p@127.0.0.1:1/vh?heartbeat_rate=3&kombu_compression=gzip&hostname=x"))
}

func TestParseURLTLS(t *testing.T) {
	c, _, err := parse(t, "rabbit://h/?ssl=true&ssl_version=tlsv1_2")
	require.NoError(t, err)
	require.NotNil(t, c.tls)
	assert.Equal(t, uint16(tls.VersionTLS12), c.tls.MinVersion)
	assert.Equal(t, uint16(tls.VersionTLS12), c.tls.MaxVersion)
	assert.False(t, c.tls.InsecureSkipVerify)

	c, _, err = parse(t, "amqps://h/")
	require.NoError(t, err)
	require.NotNil(t, c.tls, "amqps turns TLS on")

	c, _, err = parse(t, "amqps://h/?ssl=false")
	require.NoError(t, err)
	assert.Nil(t, c.tls, "ssl=false wins over the scheme")

	c, _, err = parse(t, "rabbit://h/?ssl=1&ssl_enforce_hostname_verification=false")
	require.NoError(t, err)
	require.NotNil(t, c.tls)
	assert.True(t, c.tls.InsecureSkipVerify, "the name check is off...")
	assert.NotNil(t, c.tls.VerifyConnection, "...but the chain is still verified")
}

func TestFunctionalOptionsValidate(t *testing.T) {
	c := defaultConfig()
	for _, o := range []Option{
		WithLogger(nil), WithPrefetch(-1), WithHeartbeat(-time.Second), WithFailover("x"),
		WithReconnectDelay(-1, 0), WithConnectTimeout(0), WithLoginMethod("x"),
		WithConnectionName(""), WithPublishTimeout(0), WithQuorumQueues(true, -1),
		WithRetryPolicy(RetryPolicy{MaxRetries: -2}), WithCompression("zip"),
		WithDefaultExchange(""),
	} {
		assert.Error(t, o(&c))
	}
	require.NoError(t, WithQuorumQueues(true, 3)(&c))
	assert.True(t, c.durable())
}
