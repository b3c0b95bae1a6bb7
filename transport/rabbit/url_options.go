package rabbit

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/harkmq/hark/transport"
)

// urlOptions are the query options a rabbit:// URL accepts, with oslo's
// [oslo_messaging_rabbit] names (plus [DEFAULT] control_exchange), so that
// a transport_url copied from nova.conf works; see the package
// documentation for each one's meaning and default.
var urlOptions = []string{
	"amqp_durable_queues", "amqp_auto_delete", "rabbit_ha_queues",
	"rabbit_quorum_queue", "rabbit_quorum_delivery_limit",
	"rabbit_quorum_max_memory_length", "rabbit_quorum_max_memory_bytes",
	"rabbit_qos_prefetch_count", "heartbeat_timeout_threshold",
	"heartbeat_rate", "kombu_compression", "kombu_failover_strategy",
	"kombu_reconnect_delay", "kombu_reconnect_splay",
	"rabbit_retry_interval", "rabbit_retry_backoff", "rabbit_interval_max",
	"rabbit_login_method", "enable_cancel_on_failover", "ssl", "ssl_ca_file",
	"ssl_cert_file", "ssl_key_file", "ssl_version",
	"ssl_enforce_hostname_verification", "control_exchange",
}

// inertOptions are oslo rabbit options that only concern RPC, reply and
// fanout queues or Python internals. They are accepted, so that an oslo
// URL works unchanged, and have no effect on notifications.
var inertOptions = []string{
	"rabbit_transient_queues_ttl", "rabbit_transient_quorum_queue",
	"rabbit_stream_fanout", "use_queue_manager", "hostname", "processname",
	"rpc_conn_pool_size", "conn_pool_min_size", "conn_pool_ttl",
	"direct_mandatory_flag", "kombu_missing_consumer_retry_timeout",
	"heartbeat_in_pthread", "ssl_enforce_fips_mode",
}

// endpoint is one broker host to dial, with its own credentials (oslo does
// not carry credentials from one host to the next).
type endpoint struct {
	addr     string // host:port
	hostname string // for TLS server-name checks
	username string
	password string
}

// String names the endpoint for logs and errors: never the password.
func (e endpoint) String() string { return e.addr }

// dialTarget is what the URL says about where to connect.
type dialTarget struct {
	endpoints []endpoint
	vhost     string
	// mixedCredentials: some hosts have credentials and some do not, which
	// oslo warns about (the latter log in with empty credentials).
	mixedCredentials bool
}

// parseURL reads u's options into c and returns where to dial. Its errors
// wrap transport.ErrInvalidURL and never show a password.
func parseURL(u *transport.URL, c *config) (dialTarget, error) {
	if err := u.CheckOptions(append(urlOptions, inertOptions...)...); err != nil {
		return dialTarget{}, err
	}
	if err := parseTopologyOptions(u, c); err != nil {
		return dialTarget{}, err
	}
	if err := parseConnectionOptions(u, c); err != nil {
		return dialTarget{}, err
	}
	secure := u.Scheme == "amqps" || strings.HasSuffix(u.Scheme, "+amqps")
	tlsCfg, err := parseTLS(u, secure)
	if err != nil {
		return dialTarget{}, err
	}
	c.tls = tlsCfg

	port := DefaultPort
	if u.Scheme == "amqps" || strings.HasSuffix(u.Scheme, "+amqps") {
		port = DefaultTLSPort
	}
	var d dialTarget
	// oslo: a path of "" or none is kombu's default virtual host "/";
	// "rabbit://h//" names "/" explicitly.
	d.vhost = u.VirtualHost
	if d.vhost == "" {
		d.vhost = "/"
	}
	if len(u.Hosts) == 0 {
		// oslo turns a URL without hosts into amqp://guest:guest@localhost:5672/.
		d.endpoints = []endpoint{{addr: fmt.Sprintf("localhost:%d", port), hostname: "localhost", username: "guest", password: "guest"}}
		return d, nil
	}
	withCreds := 0
	for _, h := range u.Hosts {
		if h.HasCredentials {
			withCreds++
		}
		d.endpoints = append(d.endpoints, endpoint{
			addr: h.Addr(port), hostname: h.Hostname,
			username: h.Username, password: h.Password,
		})
	}
	d.mixedCredentials = withCreds > 0 && withCreds < len(u.Hosts)
	return d, nil
}

func parseTopologyOptions(u *transport.URL, c *config) error {
	var err error
	if c.durableQueues, err = u.BoolOption("amqp_durable_queues", c.durableQueues); err != nil {
		return err
	}
	if c.autoDelete, err = u.BoolOption("amqp_auto_delete", c.autoDelete); err != nil {
		return err
	}
	if c.haQueues, err = u.BoolOption("rabbit_ha_queues", c.haQueues); err != nil {
		return err
	}
	if c.quorum, err = u.BoolOption("rabbit_quorum_queue", c.quorum); err != nil {
		return err
	}
	if c.cancelOnFailover, err = u.BoolOption("enable_cancel_on_failover", c.cancelOnFailover); err != nil {
		return err
	}
	for _, o := range []struct {
		key string
		dst *int
		max int
	}{
		{"rabbit_quorum_delivery_limit", &c.quorumDeliveryLimit, 1<<31 - 1},
		{"rabbit_quorum_max_memory_length", &c.quorumMaxMemLength, 1<<31 - 1},
		{"rabbit_quorum_max_memory_bytes", &c.quorumMaxMemBytes, 1<<31 - 1},
		{"rabbit_qos_prefetch_count", &c.prefetch, maxPrefetch},
	} {
		n, err := u.IntOption(o.key, *o.dst)
		if err != nil {
			return err
		}
		if n < 0 || n > o.max {
			return fmt.Errorf("%w: option %s=%d is out of range (0..%d)", transport.ErrInvalidURL, o.key, n, o.max)
		}
		*o.dst = n
	}
	if s, ok := u.Option("kombu_compression"); ok {
		if _, err := compressionType(s); err != nil {
			return fmt.Errorf("%w: %w", transport.ErrInvalidURL, err)
		}
		c.compression = s
	}
	if s, ok := u.Option("control_exchange"); ok {
		if err := WithDefaultExchange(s)(c); err != nil {
			return fmt.Errorf("%w: option control_exchange: %w", transport.ErrInvalidURL, err)
		}
	}
	return nil
}

func parseConnectionOptions(u *transport.URL, c *config) error {
	var err error
	if c.heartbeat, err = u.DurationOption("heartbeat_timeout_threshold", c.heartbeat); err != nil {
		return err
	}
	if c.heartbeatRate, err = u.IntOption("heartbeat_rate", c.heartbeatRate); err != nil {
		return err
	}
	if c.heartbeatRate < 1 {
		return fmt.Errorf("%w: option heartbeat_rate=%d must be at least 1", transport.ErrInvalidURL, c.heartbeatRate)
	}
	if c.reconnectDelay, err = u.DurationOption("kombu_reconnect_delay", c.reconnectDelay); err != nil {
		return err
	}
	if c.reconnectSplay, err = u.DurationOption("kombu_reconnect_splay", c.reconnectSplay); err != nil {
		return err
	}
	if c.retry.IntervalStart, err = u.DurationOption("rabbit_retry_interval", c.retry.IntervalStart); err != nil {
		return err
	}
	if c.retry.IntervalStep, err = u.DurationOption("rabbit_retry_backoff", c.retry.IntervalStep); err != nil {
		return err
	}
	if c.retry.IntervalMax, err = u.DurationOption("rabbit_interval_max", c.retry.IntervalMax); err != nil {
		return err
	}
	if s, ok := u.Option("kombu_failover_strategy"); ok {
		c.failover = FailoverStrategy(strings.ToLower(s))
	}
	if s, ok := u.Option("rabbit_login_method"); ok {
		c.loginMethod = strings.ToUpper(s)
	}
	// The same checks as the functional options, with the URL's sentinel.
	for _, o := range []Option{
		WithHeartbeat(c.heartbeat), WithReconnectDelay(c.reconnectDelay, c.reconnectSplay),
		WithRetryPolicy(c.retry), WithFailover(c.failover), WithLoginMethod(c.loginMethod),
	} {
		if err := o(c); err != nil {
			return fmt.Errorf("%w: %w", transport.ErrInvalidURL, err)
		}
	}
	return nil
}

// sslVersion maps oslo's ssl_version values to a TLS version; 0 is
// "negotiate" (sslv23, Python's PROTOCOL_SSLv23).
func sslVersion(v string) (uint16, bool) {
	switch strings.ToLower(v) {
	case "sslv23":
		return 0, true
	case "tlsv1":
		return tls.VersionTLS10, true
	case "tlsv1_1":
		return tls.VersionTLS11, true
	case "tlsv1_2":
		return tls.VersionTLS12, true
	case "tlsv1_3":
		return tls.VersionTLS13, true
	}
	return 0, false
}

// parseTLS builds the TLS configuration of ssl=true (or an amqps scheme).
// Unlike Python's ssl defaults, which skip verification when no CA file is
// given, the broker's certificate is always verified: against ssl_ca_file
// when set, else the system roots.
func parseTLS(u *transport.URL, secure bool) (*tls.Config, error) {
	on, err := u.BoolOption("ssl", secure)
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if v, ok := u.Option("ssl_version"); ok {
		ver, known := sslVersion(v)
		if !known {
			return nil, fmt.Errorf("%w: option ssl_version=%q is not supported (valid: sslv23, tlsv1, tlsv1_1, tlsv1_2, tlsv1_3)", transport.ErrInvalidURL, v)
		}
		if ver != 0 {
			// Python's PROTOCOL_TLSv1_2 and friends speak that version only.
			cfg.MinVersion, cfg.MaxVersion = ver, ver
		}
	}
	if f, ok := u.Option("ssl_ca_file"); ok {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%w: option ssl_ca_file: %w", transport.ErrInvalidURL, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: option ssl_ca_file=%q holds no PEM certificate", transport.ErrInvalidURL, f)
		}
		cfg.RootCAs = pool
	}
	cert, hasCert := u.Option("ssl_cert_file")
	key, hasKey := u.Option("ssl_key_file")
	if hasKey && !hasCert {
		return nil, fmt.Errorf("%w: option ssl_key_file needs ssl_cert_file", transport.ErrInvalidURL)
	}
	if hasCert {
		if !hasKey {
			key = cert // Python's load_cert_chain reads the key from the certificate file
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("%w: options ssl_cert_file/ssl_key_file: %w", transport.ErrInvalidURL, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	verifyHost, err := u.BoolOption("ssl_enforce_hostname_verification", true)
	if err != nil {
		return nil, err
	}
	if !verifyHost {
		skipHostnameCheck(cfg)
	}
	return cfg, nil
}

// skipHostnameCheck keeps verifying the broker's certificate chain but not
// the name in it (oslo's ssl_enforce_hostname_verification=false).
func skipHostnameCheck(cfg *tls.Config) {
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true // replaced by the chain check below
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("rabbit: the broker sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}
