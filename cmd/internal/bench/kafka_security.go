package bench

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/harkmq/hark/transport"
)

// kafkaSecurity turns the URL's oslo security options into the bare
// client's kgo options, so that it reaches the brokers as hark does:
// security_protocol PLAINTEXT (the default), SSL, SASL_PLAINTEXT or
// SASL_SSL; sasl_mechanism PLAIN (the default), SCRAM-SHA-256 or
// SCRAM-SHA-512 with the first host's user and password; ssl_cafile,
// ssl_client_cert_file and ssl_client_key_file. The driver has already
// checked the options (transport.ValidateURL); what the bare client
// cannot do is an error naming the option.
func kafkaSecurity(u *transport.URL) ([]kgo.Opt, error) {
	proto := "PLAINTEXT"
	if v, ok := u.Option("security_protocol"); ok {
		proto = strings.ToUpper(v)
	}
	var useTLS, useSASL bool
	switch proto {
	case "PLAINTEXT":
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useTLS, useSASL = true, true
	default:
		return nil, fmt.Errorf("security_protocol %q (valid: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)", proto)
	}
	var opts []kgo.Opt
	if useTLS {
		tc, err := kafkaTLS(u)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if useSASL {
		m, err := kafkaSASL(u)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

func kafkaTLS(u *transport.URL) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if f, ok := u.Option("ssl_cafile"); ok {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("ssl_cafile: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ssl_cafile %s: no PEM certificate in it", f)
		}
	}
	cert, hasCert := u.Option("ssl_client_cert_file")
	key, hasKey := u.Option("ssl_client_key_file")
	if hasCert != hasKey {
		return nil, fmt.Errorf("ssl_client_cert_file and ssl_client_key_file go together")
	}
	if _, ok := u.Option("ssl_client_key_password"); ok {
		return nil, fmt.Errorf("ssl_client_key_password: the bench's bare client reads unencrypted keys only")
	}
	if hasCert {
		c, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("ssl_client_cert_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{c}
	}
	return tc, nil
}

func kafkaSASL(u *transport.URL) (sasl.Mechanism, error) {
	var user, pass string
	if len(u.Hosts) > 0 {
		user, pass = u.Hosts[0].Username, u.Hosts[0].Password
	}
	mech := "PLAIN"
	if v, ok := u.Option("sasl_mechanism"); ok {
		mech = strings.ToUpper(v)
	}
	switch mech {
	case "PLAIN":
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("sasl_mechanism %q (valid: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)", mech)
}
