package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/harkmq/hark/transport"
)

// urlOptions are the query options a kafka:// URL accepts: every option of
// oslo's [oslo_messaging_kafka] group (kafka_options.py), with its name,
// so that a transport_url copied from nova.conf works unchanged. See the
// package documentation for each one's meaning and default.
var urlOptions = []string{
	"kafka_max_fetch_bytes", "kafka_consumer_timeout", "consumer_group",
	"producer_batch_timeout", "producer_batch_size", "compression_codec",
	"enable_auto_commit", "max_poll_records", "security_protocol",
	"sasl_mechanism", "ssl_cafile", "ssl_client_cert_file",
	"ssl_client_key_file", "ssl_client_key_password",
}

// inertOptions are oslo kafka options deprecated for removal (its driver
// no longer pools connections). They are accepted, so an oslo URL works,
// and have no effect.
var inertOptions = []string{"pool_size", "conn_pool_min_size", "conn_pool_ttl"}

// parseURL reads u's hosts and options into c. Its errors wrap
// transport.ErrInvalidURL and never show a password.
func parseURL(u *transport.URL, c *config) error {
	if err := u.CheckOptions(append(urlOptions, inertOptions...)...); err != nil {
		return err
	}
	if len(u.Hosts) == 0 {
		c.seeds = []string{fmt.Sprintf("localhost:%d", DefaultPort)}
	}
	for i, h := range u.Hosts {
		if h.Hostname == "" {
			return fmt.Errorf("%w: host %d has no host name", transport.ErrInvalidURL, i+1)
		}
		c.seeds = append(c.seeds, h.Addr(DefaultPort))
		// oslo takes the first host's credentials for SASL (one login
		// per cluster), warning when later hosts name others.
		if i == 0 {
			c.username, c.password = h.Username, h.Password
		}
	}
	c.vhost = u.VirtualHost
	if c.vhost != "" && strings.ContainsFunc(c.vhost, func(r rune) bool { return !topicRune(r) }) {
		return fmt.Errorf("%w: virtual host %q is appended to Kafka topic names and may hold only ASCII letters, digits, '.', '_' and '-'", transport.ErrInvalidURL, c.vhost)
	}
	if err := parseIntOptions(u, c); err != nil {
		return err
	}
	var err error
	if c.consumerTimeout, err = u.DurationOption("kafka_consumer_timeout", c.consumerTimeout); err != nil {
		return err
	}
	if c.consumerTimeout <= 0 || c.consumerTimeout > 5*60e9 {
		return fmt.Errorf("%w: option kafka_consumer_timeout=%s is out of range (0..300 seconds)", transport.ErrInvalidURL, c.consumerTimeout)
	}
	if c.batchTimeout, err = u.DurationOption("producer_batch_timeout", c.batchTimeout); err != nil {
		return err
	}
	if c.batchTimeout < 0 || c.batchTimeout > 60e9 {
		return fmt.Errorf("%w: option producer_batch_timeout=%s is out of range (0..60 seconds)", transport.ErrInvalidURL, c.batchTimeout)
	}
	if c.autoCommit, err = u.BoolOption("enable_auto_commit", c.autoCommit); err != nil {
		return err
	}
	if g, ok := u.Option("consumer_group"); ok {
		c.consumerGroup = g
	}
	if c.compression, err = u.ChoiceOption("compression_codec", c.compression, strings.ToLower,
		CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd); err != nil {
		return err
	}
	if c.protocol, err = u.ChoiceOption("security_protocol", c.protocol, strings.ToUpper,
		ProtocolPlaintext, ProtocolSSL, ProtocolSASLPlaintext, ProtocolSASLSSL); err != nil {
		return err
	}
	if c.mechanism, err = u.ChoiceOption("sasl_mechanism", c.mechanism, strings.ToUpper,
		MechanismPlain, MechanismScramSHA256, MechanismScramSHA512); err != nil {
		return err
	}
	if c.sasl() && c.username == "" {
		return fmt.Errorf("%w: security_protocol=%s needs a user name and password in the URL (kafka://user:pass@host:9092/)", transport.ErrInvalidURL, c.protocol)
	}
	tlsCfg, err := parseTLS(u, c.secure())
	if err != nil {
		return err
	}
	c.tls = tlsCfg
	return nil
}

func parseIntOptions(u *transport.URL, c *config) error {
	for _, o := range []struct {
		key      string
		dst      *int
		min, max int
	}{
		{"kafka_max_fetch_bytes", &c.maxFetchBytes, 1, math.MaxInt32},
		{"producer_batch_size", &c.batchSize, 0, math.MaxInt32},
		{"max_poll_records", &c.maxPollRecords, 1, 1 << 20},
	} {
		n, err := u.IntOption(o.key, *o.dst)
		if err != nil {
			return err
		}
		if n < o.min || n > o.max {
			return fmt.Errorf("%w: option %s=%d is out of range (%d..%d)", transport.ErrInvalidURL, o.key, n, o.min, o.max)
		}
		*o.dst = n
	}
	return nil
}

// parseTLS builds the TLS configuration of security_protocol SSL or
// SASL_SSL. The broker's certificate is always verified: against
// ssl_cafile when set, else the system roots. ssl_* options without a TLS
// protocol are an error rather than silently unused.
func parseTLS(u *transport.URL, secure bool) (*tls.Config, error) {
	ca, hasCA := u.Option("ssl_cafile")
	cert, hasCert := u.Option("ssl_client_cert_file")
	key, hasKey := u.Option("ssl_client_key_file")
	pass, hasPass := u.Option("ssl_client_key_password")
	if !secure {
		if hasCA || hasCert || hasKey || hasPass {
			return nil, fmt.Errorf("%w: ssl_* options need security_protocol=SSL or SASL_SSL", transport.ErrInvalidURL)
		}
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if hasCA {
		pemData, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("%w: option ssl_cafile: %w", transport.ErrInvalidURL, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("%w: option ssl_cafile=%q holds no PEM certificate", transport.ErrInvalidURL, ca)
		}
		cfg.RootCAs = pool
	}
	if hasKey && !hasCert {
		return nil, fmt.Errorf("%w: option ssl_client_key_file needs ssl_client_cert_file", transport.ErrInvalidURL)
	}
	if hasPass && !hasKey {
		return nil, fmt.Errorf("%w: option ssl_client_key_password needs ssl_client_key_file", transport.ErrInvalidURL)
	}
	if hasCert {
		if !hasKey {
			key = cert // librdkafka and Python read the key from the certificate file too
		}
		pair, err := loadKeyPair(cert, key, pass)
		if err != nil {
			return nil, fmt.Errorf("%w: options ssl_client_cert_file/ssl_client_key_file: %w", transport.ErrInvalidURL, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// loadKeyPair reads a certificate and its key, decrypting a key in
// legacy encrypted PEM (Proc-Type: 4,ENCRYPTED, as openssl writes with
// -des3/-aes256) with pass. Errors never show pass.
func loadKeyPair(certFile, keyFile, pass string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	if pass != "" {
		keyPEM, err = decryptKeyPEM(keyPEM, pass)
		if err != nil {
			return tls.Certificate{}, err
		}
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// decryptKeyPEM returns the PEM blocks of data with an encrypted private
// key decrypted (an unencrypted key is kept as it is, as librdkafka keeps
// it). Only legacy PEM encryption can be read with the standard library;
// an encrypted PKCS #8 key must be decrypted beforehand.
func decryptKeyPEM(data []byte, pass string) ([]byte, error) {
	var out []byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out, nil
		}
		//lint:ignore SA1019 legacy PEM encryption is what ssl_client_key_password decrypts (librdkafka's ssl.key.password)
		if x509.IsEncryptedPEMBlock(b) { //nolint:staticcheck
			//lint:ignore SA1019 see above
			der, err := x509.DecryptPEMBlock(b, []byte(pass)) //nolint:staticcheck
			if err != nil {
				return nil, fmt.Errorf("cannot decrypt the client key with ssl_client_key_password: %w", err)
			}
			b = &pem.Block{Type: b.Type, Bytes: der}
		} else if b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, fmt.Errorf("the client key is an encrypted PKCS #8 key, which hark cannot decrypt; decrypt it (openssl pkey) or use legacy PEM encryption")
		}
		out = append(out, pem.EncodeToMemory(b)...)
	}
}

// topicRune reports whether r may appear in a Kafka topic name.
func topicRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}
