package kafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func parse(t *testing.T, raw string) (config, error) {
	t.Helper()
	u, err := transport.ParseURL(raw)
	require.NoError(t, err)
	return configure(u, transport.Options{}, nil)
}

// TestURLDefaults: a bare URL has oslo's defaults.
func TestURLDefaults(t *testing.T) {
	c, err := parse(t, "kafka://broker/")
	require.NoError(t, err)
	assert.Equal(t, []string{"broker:9092"}, c.seeds)
	assert.Equal(t, "oslo_messaging_consumer", c.consumerGroup)
	assert.Equal(t, 1024*1024, c.maxFetchBytes)
	assert.Equal(t, time.Second, c.consumerTimeout)
	assert.Equal(t, 16384, c.batchSize)
	assert.Equal(t, time.Duration(0), c.batchTimeout)
	assert.Equal(t, "none", c.compression)
	assert.False(t, c.autoCommit)
	assert.Equal(t, 500, c.maxPollRecords)
	assert.Equal(t, "PLAINTEXT", c.protocol)
	assert.Equal(t, "PLAIN", c.mechanism)
	assert.Nil(t, c.tls)
	assert.Empty(t, c.vhost)
}

// TestURLEveryOsloOption: every option of oslo's [oslo_messaging_kafka]
// group is accepted under its name and read.
func TestURLEveryOsloOption(t *testing.T) {
	c, err := parse(t, "kafka://u:p@h1:9093,h2/vh?kafka_max_fetch_bytes=2048&kafka_consumer_timeout=2.5"+
		"&consumer_group=billing&producer_batch_timeout=0.01&producer_batch_size=100&compression_codec=zstd"+
		"&enable_auto_commit=true&max_poll_records=7&security_protocol=SASL_PLAINTEXT&sasl_mechanism=SCRAM-SHA-512"+
		"&pool_size=3&conn_pool_min_size=1&conn_pool_ttl=60")
	require.NoError(t, err)
	assert.Equal(t, []string{"h1:9093", "h2:9092"}, c.seeds)
	assert.Equal(t, "u", c.username)
	assert.Equal(t, "p", c.password)
	assert.Equal(t, "vh", c.vhost)
	assert.Equal(t, 2048, c.maxFetchBytes)
	assert.Equal(t, 2500*time.Millisecond, c.consumerTimeout)
	assert.Equal(t, "billing", c.consumerGroup)
	assert.Equal(t, 10*time.Millisecond, c.batchTimeout)
	assert.Equal(t, 100, c.batchSize)
	assert.Equal(t, "zstd", c.compression)
	assert.True(t, c.autoCommit)
	assert.Equal(t, 7, c.maxPollRecords)
	assert.Equal(t, "SASL_PLAINTEXT", c.protocol)
	assert.Equal(t, "SCRAM-SHA-512", c.mechanism)
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		_, err := parse(t, "kafka://h/?compression_codec="+codec)
		assert.NoError(t, err, codec)
	}
}

// TestURLErrors: bad input is one error wrapping ErrInvalidURL that names
// the cause, and never shows a password.
func TestURLErrors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"kafka://h/?nope=1", `unknown option "nope" for scheme kafka (valid: compression_codec, conn_pool_min_size, conn_pool_ttl, consumer_group, enable_auto_commit`},
		{"kafka://h/?compression_codec=brotli", "compression_codec"},
		{"kafka://h/?security_protocol=KERBEROS", "security_protocol"},
		{"kafka://u:p@h/?security_protocol=SASL_SSL&sasl_mechanism=GSSAPI", "sasl_mechanism"},
		{"kafka://h/?max_poll_records=0", "max_poll_records=0 is out of range"},
		{"kafka://h/?kafka_max_fetch_bytes=x", "kafka_max_fetch_bytes"},
		{"kafka://h/?kafka_consumer_timeout=soon", "kafka_consumer_timeout"},
		{"kafka://h/?kafka_consumer_timeout=0", "kafka_consumer_timeout"},
		{"kafka://h/?enable_auto_commit=maybe", "enable_auto_commit"},
		{"kafka://h/?producer_batch_timeout=-1", "producer_batch_timeout"},
		{"kafka://h/?security_protocol=SASL_PLAINTEXT", "needs a user name and password"},
		{"kafka://h/?ssl_cafile=/x.pem", "need security_protocol=SSL or SASL_SSL"},
		{"kafka://h/?security_protocol=SSL&ssl_cafile=/does/not/exist.pem", "ssl_cafile"},
		{"kafka://h/?security_protocol=SSL&ssl_client_key_file=/k.pem", "needs ssl_client_cert_file"},
		{"kafka://h/bad%20vhost", "virtual host"},
		{"kafka://u:s3cret@h/?compression_codec=nope", "compression_codec"},
		{"kafka://u:s3cret@h/?ssl_client_key_password=s3cret", "need security_protocol=SSL"},
	} {
		u, err := transport.ParseURL(tc.url)
		require.NoError(t, err)
		err = ValidateURL(u)
		require.Error(t, err, tc.url)
		assert.ErrorIs(t, err, transport.ErrInvalidURL, tc.url)
		assert.Contains(t, err.Error(), tc.want, tc.url)
		assert.NotContains(t, err.Error(), "s3cret", "an error shows a password")
	}
}

// TestURLTLS: SSL reads the CA and the client certificate; the broker's
// certificate is always verified.
func TestURLTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	c, err := parse(t, "kafka://h/?security_protocol=SSL&ssl_cafile="+certFile+
		"&ssl_client_cert_file="+certFile+"&ssl_client_key_file="+keyFile)
	require.NoError(t, err)
	require.NotNil(t, c.tls)
	assert.NotNil(t, c.tls.RootCAs)
	assert.Len(t, c.tls.Certificates, 1)
	assert.False(t, c.tls.InsecureSkipVerify)

	c, err = parse(t, "kafka://u:p@h/?security_protocol=SASL_SSL&sasl_mechanism=SCRAM-SHA-256")
	require.NoError(t, err)
	assert.NotNil(t, c.tls, "SASL_SSL speaks TLS, verified against the system roots")
	assert.True(t, c.sasl())

	_, err = parse(t, "kafka://h/?security_protocol=SSL&ssl_cafile="+keyFile)
	assert.ErrorIs(t, err, transport.ErrInvalidURL, "a CA file without a certificate")
}

// TestBodyID: the ID is read from the body oslo's notifier and hark's
// write, and a record carries Hark-Id only when the body does not say it.
func TestBodyID(t *testing.T) {
	v2 := []byte(`{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"1b2c\", \"publisher_id\": null}"}`)
	v1 := []byte(`{"message_id": "9f", "payload": {}}`)
	assert.Equal(t, "1b2c", bodyID(v2))
	assert.Equal(t, "9f", bodyID(v1))
	assert.Empty(t, bodyID([]byte(`{"n":1}`)))
	assert.Empty(t, recordHeaders(transport.Message{ID: "1b2c", Body: v2}, 0), "a notification from hark's notifier has no headers")
	hs := recordHeaders(transport.Message{ID: "other", Body: v2, Header: transport.Header{"b": "2", "a": "1"}}, 0)
	require.Len(t, hs, 3)
	assert.Equal(t, []string{"a", "b", HeaderID}, []string{hs[0].Key, hs[1].Key, hs[2].Key})
}

// TestNames: topic names follow oslo's target_to_topic; retry topic names
// stay valid Kafka names.
func TestNames(t *testing.T) {
	assert.Equal(t, "notifications.info", topicName("notifications", transport.Info, ""))
	assert.Equal(t, "notifications.info.vh", topicName("notifications", transport.Info, "vh"))
	assert.Equal(t, "hark.retry.billing.notifications.info", retryTopicName("billing", "notifications.info"))
	odd := retryTopicName("a:b", "t.info")
	assert.Regexp(t, `^hark\.retry\.a_b-[0-9a-f]{8}\.t\.info$`, odd)
	long := retryTopicName(string(make([]byte, 300)), "t.info")
	assert.LessOrEqual(t, len(long), 249)
}

func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hark test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	return certFile, keyFile
}

// TestClassify: broker errors Kafka marks final are permanent, a refused
// login is transport.ErrCredentialsRefused, the rest is retried.
func TestClassify(t *testing.T) {
	assert.False(t, transport.Retryable(classify(kerr.MessageTooLarge)))
	assert.False(t, transport.Retryable(classify(kerr.TopicAuthorizationFailed)))
	assert.ErrorIs(t, classify(kerr.SaslAuthenticationFailed), transport.ErrCredentialsRefused)
	assert.False(t, transport.Retryable(classify(kerr.SaslAuthenticationFailed)))
	assert.True(t, transport.Retryable(classify(kerr.NotLeaderForPartition)))
	assert.True(t, transport.Retryable(classify(kgo.ErrRecordTimeout)))
	assert.ErrorIs(t, classify(kgo.ErrClientClosed), transport.ErrClosed)
	assert.NoError(t, classify(nil))
}

// TestURLEncryptedKey: ssl_client_key_password decrypts a legacy-encrypted
// PEM key; a wrong password is an error that does not show it.
func TestURLEncryptedKey(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	keyPEM, err := os.ReadFile(keyFile)
	require.NoError(t, err)
	b, _ := pem.Decode(keyPEM)
	//lint:ignore SA1019 the test writes what ssl_client_key_password reads
	enc, err := x509.EncryptPEMBlock(rand.Reader, b.Type, b.Bytes, []byte("pa55"), x509.PEMCipherAES256) //nolint:staticcheck
	require.NoError(t, err)
	encFile := filepath.Join(dir, "enc.pem")
	require.NoError(t, os.WriteFile(encFile, pem.EncodeToMemory(enc), 0o600))
	base := "kafka://h/?security_protocol=SSL&ssl_client_cert_file=" + certFile + "&ssl_client_key_file=" + encFile
	c, err := parse(t, base+"&ssl_client_key_password=pa55")
	require.NoError(t, err)
	assert.Len(t, c.tls.Certificates, 1)
	_, err = parse(t, base+"&ssl_client_key_password=n0pe-secret")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.NotContains(t, err.Error(), "n0pe-secret")
}

// TestCheckTopic: names Kafka would refuse are invalid targets.
func TestCheckTopic(t *testing.T) {
	assert.NoError(t, checkTopic("notifications.info"))
	assert.ErrorIs(t, checkTopic("a:b.info"), target.ErrInvalidTarget)
	assert.ErrorIs(t, checkTopic(strings.Repeat("x", 250)), target.ErrInvalidTarget)
}
