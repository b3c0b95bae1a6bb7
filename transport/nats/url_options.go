package nats

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkmq/hark/internal/backoff"
	"github.com/harkmq/hark/transport"
)

// urlOptions are the query options a nats:// URL accepts; see the package
// documentation for their meaning and defaults.
var urlOptions = []string{
	"mode", "ack_wait", "max_deliveries", "replicas", "storage", "max_age",
	"max_bytes", "duplicate_window", "max_ack_pending", "inactive_threshold",
	"publish_timeout", "name", "token", "nkey", "creds", "tls", "tls_ca",
	"tls_cert", "tls_key", "connect_timeout", "reconnect_wait",
	"max_reconnect_wait",
}

// dialConfig is what the URL says about connecting.
type dialConfig struct {
	servers []string
	opts    []natsgo.Option
}

// parseURL reads u into c (transport settings) and returns how to dial.
// Its errors wrap transport.ErrInvalidURL and never show a password or
// token.
func parseURL(u *transport.URL, c *config) (dialConfig, error) {
	if err := u.CheckOptions(urlOptions...); err != nil {
		return dialConfig{}, err
	}
	if u.HasVirtualHost && u.VirtualHost != "" {
		return dialConfig{}, fmt.Errorf("%w: nats URLs have no virtual host (got %q); separate deployments with exchanges or NATS accounts", transport.ErrInvalidURL, u.VirtualHost)
	}
	var d dialConfig
	if err := parseTransportOptions(u, c); err != nil {
		return d, err
	}

	secure, err := u.BoolOption("tls", strings.HasSuffix(u.Scheme, "+tls"))
	if err != nil {
		return d, err
	}
	scheme := "nats"
	if secure {
		scheme = "tls"
	}
	if len(u.Hosts) == 0 {
		d.servers = []string{scheme + "://127.0.0.1:" + fmt.Sprint(DefaultPort)}
	}
	for _, h := range u.Hosts {
		s := url.URL{Scheme: scheme, Host: h.Addr(DefaultPort)}
		switch {
		case h.HasPassword:
			s.User = url.UserPassword(h.Username, h.Password)
		case h.HasCredentials:
			s.User = url.User(h.Username) // nats.go reads a lone user as a token
		}
		d.servers = append(d.servers, s.String())
	}

	name, _ := u.Option("name")
	if name == "" {
		name = DefaultName
	}
	d.opts = append(d.opts, natsgo.Name(name))
	if tok, ok := u.Option("token"); ok {
		d.opts = append(d.opts, natsgo.Token(tok))
	}
	if f, ok := u.Option("nkey"); ok {
		o, err := natsgo.NkeyOptionFromSeed(f)
		if err != nil {
			return d, fmt.Errorf("%w: option nkey: reading seed file %q: %w", transport.ErrInvalidURL, f, err)
		}
		d.opts = append(d.opts, o)
	}
	if f, ok := u.Option("creds"); ok {
		d.opts = append(d.opts, natsgo.UserCredentials(f))
	}
	tlsOpts, err := parseTLS(u, secure)
	if err != nil {
		return d, err
	}
	d.opts = append(d.opts, tlsOpts...)

	connectTimeout, err := u.DurationOption("connect_timeout", DefaultConnectTimeout)
	if err != nil {
		return d, err
	}
	wait, err := u.DurationOption("reconnect_wait", DefaultReconnectWait)
	if err != nil {
		return d, err
	}
	maxWait, err := u.DurationOption("max_reconnect_wait", DefaultMaxReconnectWait)
	if err != nil {
		return d, err
	}
	if connectTimeout <= 0 || wait <= 0 || maxWait < wait {
		return d, fmt.Errorf("%w: connect_timeout and reconnect_wait must be positive and max_reconnect_wait at least reconnect_wait", transport.ErrInvalidURL)
	}
	d.opts = append(d.opts, natsgo.Timeout(connectTimeout))
	d.opts = append(d.opts, reconnectForever(wait, maxWait)...)
	return d, nil
}

// parseTransportOptions reads the options that shape streams, consumers
// and listeners.
func parseTransportOptions(u *transport.URL, c *config) error {
	if m, ok := u.Option("mode"); ok {
		switch Mode(strings.ToLower(m)) {
		case ModeJetStream, ModeCore:
			c.mode = Mode(strings.ToLower(m))
		default:
			return fmt.Errorf("%w: option mode=%q is not a mode (valid: jetstream, core)", transport.ErrInvalidURL, m)
		}
	}
	var err error
	if c.lease, err = u.DurationOption("ack_wait", c.lease); err != nil {
		return err
	}
	if c.maxDeliveries, err = u.IntOption("max_deliveries", c.maxDeliveries); err != nil {
		return err
	}
	if c.replicas, err = u.IntOption("replicas", c.replicas); err != nil {
		return err
	}
	if s, ok := u.Option("storage"); ok {
		switch strings.ToLower(s) {
		case "file":
			c.storage = jetstream.FileStorage
		case "memory":
			c.storage = jetstream.MemoryStorage
		default:
			return fmt.Errorf("%w: option storage=%q is not a storage (valid: file, memory)", transport.ErrInvalidURL, s)
		}
	}
	if c.maxAge, err = u.DurationOption("max_age", c.maxAge); err != nil {
		return err
	}
	maxBytes, err := u.IntOption("max_bytes", int(c.maxBytes))
	if err != nil {
		return err
	}
	c.maxBytes = int64(maxBytes)
	if c.duplicateWindow, err = u.DurationOption("duplicate_window", c.duplicateWindow); err != nil {
		return err
	}
	if c.maxAckPending, err = u.IntOption("max_ack_pending", c.maxAckPending); err != nil {
		return err
	}
	if _, ok := u.Option("inactive_threshold"); ok {
		d, err := u.DurationOption("inactive_threshold", 0)
		if err != nil {
			return err
		}
		if err := WithInactiveThreshold(d)(c); err != nil {
			return fmt.Errorf("%w: %w", transport.ErrInvalidURL, err)
		}
	}
	if c.publishTimeout, err = u.DurationOption("publish_timeout", c.publishTimeout); err != nil {
		return err
	}
	// The same checks as the functional options, with the URL's sentinel.
	for _, o := range []Option{
		WithLease(c.lease), WithMaxDeliveries(c.maxDeliveries), WithReplicas(c.replicas),
		WithMaxAge(c.maxAge), WithMaxBytes(c.maxBytes), WithDuplicateWindow(c.duplicateWindow),
		WithMaxAckPending(c.maxAckPending), WithPublishTimeout(c.publishTimeout),
	} {
		if err := o(c); err != nil {
			return fmt.Errorf("%w: %w", transport.ErrInvalidURL, err)
		}
	}
	return nil
}

func parseTLS(u *transport.URL, secure bool) ([]natsgo.Option, error) {
	ca, hasCA := u.Option("tls_ca")
	cert, hasCert := u.Option("tls_cert")
	key, hasKey := u.Option("tls_key")
	if hasCert != hasKey {
		return nil, fmt.Errorf("%w: options tls_cert and tls_key go together", transport.ErrInvalidURL)
	}
	if !secure && (hasCA || hasCert) {
		secure = true
	}
	if !secure {
		return nil, nil
	}
	opts := []natsgo.Option{natsgo.Secure(&tls.Config{MinVersion: tls.VersionTLS12})}
	if hasCA {
		opts = append(opts, natsgo.RootCAs(ca))
	}
	if hasCert {
		opts = append(opts, natsgo.ClientCert(cert, key))
	}
	return opts, nil
}

// reconnectForever makes a connection that never gives up: a listener
// daemon must outlive broker restarts. The delay doubles per failed round
// over the server list, from wait up to maxWait, with up to 20% jitter so
// a fleet of listeners does not reconnect in lockstep.
func reconnectForever(wait, maxWait time.Duration) []natsgo.Option {
	return []natsgo.Option{
		natsgo.MaxReconnects(-1),
		natsgo.CustomReconnectDelay(func(attempts int) time.Duration {
			return jittered(wait, maxWait).Delay(attempts)
		}),
	}
}

// jittered is the shape of the package's retry schedules: from start
// doubling up to max, minus up to 20% at random.
func jittered(start, max time.Duration) backoff.Exponential {
	return backoff.Exponential{Start: start, Max: max, JitterPercent: 20}
}
