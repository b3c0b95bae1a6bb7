package kafka_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/kafka"
	"github.com/harkmq/hark/transport/transporttest"
)

// roundTrip sends one message through tr and reads it back.
func roundTrip(t *testing.T, tr transport.Transport) {
	t.Helper()
	tg := target.Target{Topic: transporttest.UniqueName("auth")}
	l, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Pool: "p"})
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, tr.Send(t.Context(), tg, transport.Info, transporttest.NewMessage("auth", 0)))
	ctx := testutil.Within(t, 10*time.Second)
	d, err := l.Next(ctx)
	require.NoError(t, err)
	require.NoError(t, d.Ack(ctx))
}

// TestSASL: the URL's user info logs in with the SASL mechanism of
// sasl_mechanism; a wrong password fails Open, and the error does not
// show it.
func TestSASL(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			c := startCluster(t, kfake.EnableSASL(), kfake.Superuser(mech, "nova", "s3cret"))
			hosts := strings.Join(c.ListenAddrs(), ",")
			tr, err := kafka.New(t.Context(), "kafka://nova:s3cret@"+hosts+"/?security_protocol=SASL_PLAINTEXT&sasl_mechanism="+mech)
			require.NoError(t, err)
			defer tr.Close()
			roundTrip(t, tr)

			_, err = kafka.New(t.Context(), "kafka://nova:wrong-pw@"+hosts+"/?security_protocol=SASL_PLAINTEXT&sasl_mechanism="+mech)
			// kfake drops the connection (EOF); a real broker answers
			// SASL_AUTHENTICATION_FAILED, which is
			// transport.ErrCredentialsRefused and permanent (classify).
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "wrong-pw")
		})
	}
}

// TestSSL: security_protocol=SSL verifies the broker against ssl_cafile.
func TestSSL(t *testing.T) {
	dir := t.TempDir()
	caFile, cert := serverCert(t, dir)
	c := startCluster(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	hosts := strings.Join(c.ListenAddrs(), ",")
	tr, err := kafka.New(t.Context(), "kafka://"+hosts+"/?security_protocol=SSL&ssl_cafile="+caFile)
	require.NoError(t, err)
	defer tr.Close()
	roundTrip(t, tr)
}

// serverCert writes a self-signed CA-and-server certificate for 127.0.0.1
// and returns the PEM file and the key pair.
func serverCert(t *testing.T, dir string) (string, tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "kfake"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	f := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(f, certPEM, 0o600))
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	return f, pair
}
