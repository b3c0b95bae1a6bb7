package transport_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

func sampleDeadLetter() transport.DeadLetter {
	return transport.DeadLetter{
		Original: transport.Message{
			ID: "5f0c3a52-4d7e-4a38-b1c1-6f0e9d2b7a11",
			// Not JSON, not UTF-8: the record must not care.
			Body:   []byte{0x78, 0x9c, 0x00, 0xff, '{', '"'},
			Header: transport.Header{oslo.HeaderCompression: oslo.CompressionGzip, "x-trace": "abc"},
		},
		Info: transport.DeadLetterInfo{
			Reason:    transport.ReasonMaxDeliveries,
			LastError: "endpoint audit: connection refused",
			Endpoint:  "audit",
			ID:        "0b9d6a3e-2f41-4c55-9a61-3f8d2c7e1b90",
		},
		Deliveries: 5,
		Source: transport.Source{
			Target:   target.Target{Exchange: "nova", Topic: "notifications"},
			Priority: transport.Error,
			Pool:     "billing",
		},
		Time: time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("CET", 3600)),
	}
}

func TestDeadLetter_roundTrip(t *testing.T) {
	d := sampleDeadLetter()
	origHeader := d.Original.Header.Clone()

	rec := d.Message()
	assert.Equal(t, d.Original.ID, rec.ID)
	assert.Equal(t, d.Original.Body, rec.Body, "the body is kept byte for byte")
	assert.Equal(t, origHeader, d.Original.Header, "Message must not modify the original headers")

	assert.Equal(t, transport.Header{
		oslo.HeaderCompression:        oslo.CompressionGzip,
		"x-trace":                     "abc",
		transport.HeaderDLQID:         "0b9d6a3e-2f41-4c55-9a61-3f8d2c7e1b90",
		transport.HeaderDLQReason:     "max_deliveries",
		transport.HeaderDLQDeliveries: "5",
		transport.HeaderDLQLastError:  "endpoint audit: connection refused",
		transport.HeaderDLQEndpoint:   "audit",
		transport.HeaderDLQPool:       "billing",
		transport.HeaderDLQExchange:   "nova",
		transport.HeaderDLQTopic:      "notifications",
		transport.HeaderDLQPriority:   "error",
		transport.HeaderDLQTime:       "2026-03-04T04:06:07.123456789Z",
	}, rec.Header)

	got, err := transport.ParseDeadLetter(rec)
	require.NoError(t, err)
	assert.True(t, d.Time.Equal(got.Time), "time %s != %s", got.Time, d.Time)
	got.Time = d.Time
	assert.Equal(t, d, got)
	assert.Equal(t, origHeader, got.Original.Header, "the original headers come back without the Hark-Dlq-* ones")
}

func TestDeadLetter_minimal(t *testing.T) {
	d := transport.DeadLetter{
		Original: transport.Message{Body: []byte(`{}`)},
		Info:     transport.DeadLetterInfo{Reason: transport.ReasonDecode},
		Source:   transport.Source{Target: target.Target{Exchange: "openstack", Topic: "notifications"}, Priority: transport.Info},
	}
	rec := d.Message()
	for _, h := range []string{transport.HeaderDLQLastError, transport.HeaderDLQEndpoint, transport.HeaderDLQPool, transport.HeaderDLQID} {
		assert.NotContains(t, rec.Header, h, "empty optional header %s is left out", h)
	}
	got, err := transport.ParseDeadLetter(rec)
	require.NoError(t, err)
	assert.True(t, got.Time.IsZero())
	assert.Nil(t, got.Original.Header, "no original headers come back as nil")
	got.Time = d.Time
	assert.Equal(t, d, got)
}

// Dead-lettering a replayed record again replaces its Hark-Dlq-* headers.
// A record dead-lettered again (its reader gave up on it) keeps the first
// record whole: replaying the second gives back the first as it was.
func TestDeadLetter_ofARecordKeepsTheRecord(t *testing.T) {
	first := sampleDeadLetter().Message()
	d := sampleDeadLetter()
	d.Original = first
	d.Info = transport.DeadLetterInfo{Reason: transport.ReasonRejected}
	d.Deliveries = 1
	rec := d.Message()
	assert.Equal(t, "rejected", rec.Header[transport.HeaderDLQReason])
	assert.Equal(t, "1", rec.Header[transport.HeaderDLQDeliveries])
	assert.NotContains(t, rec.Header, transport.HeaderDLQLastError)
	assert.NotContains(t, rec.Header, transport.HeaderDLQEndpoint)

	assert.Equal(t, "max_deliveries", rec.Header[transport.HeaderDLQOriginalPrefix+transport.HeaderDLQReason])

	got, err := transport.ParseDeadLetter(rec)
	require.NoError(t, err)
	assert.Equal(t, first.Header, got.Original.Header)
	inner, err := transport.ParseDeadLetter(got.Original)
	require.NoError(t, err)
	assert.Equal(t, transport.Header{oslo.HeaderCompression: oslo.CompressionGzip, "x-trace": "abc"}, inner.Original.Header)
}

func TestDeadLetter_longErrorIsTruncated(t *testing.T) {
	d := sampleDeadLetter()
	// 4095 ASCII bytes then multi-byte runes: the 4096-byte cut falls
	// inside a rune, which must not be split.
	d.Info.LastError = strings.Repeat("x", 4095) + strings.Repeat("é", 1000)
	v := d.Message().Header[transport.HeaderDLQLastError]
	assert.True(t, utf8.ValidString(v), "the truncated header is valid UTF-8")
	assert.True(t, strings.HasSuffix(v, "…"))
	assert.LessOrEqual(t, len(v), 4096+len("…"))
	assert.True(t, strings.HasPrefix(d.Info.LastError, strings.TrimSuffix(v, "…")))
}

func TestParseDeadLetter_errors(t *testing.T) {
	_, err := transport.ParseDeadLetter(transport.Message{Body: []byte(`{}`)})
	require.ErrorIs(t, err, transport.ErrDecode)
	assert.Contains(t, err.Error(), "not a dead-letter record: no Hark-Dlq-Reason header")

	_, err = transport.ParseDeadLetter(transport.Message{Header: transport.Header{
		transport.HeaderDLQReason: "x", transport.HeaderDLQDeliveries: "many",
	}})
	require.ErrorIs(t, err, transport.ErrDecode)
	assert.Contains(t, err.Error(), `Hark-Dlq-Deliveries="many" is not a number`)

	_, err = transport.ParseDeadLetter(transport.Message{Header: transport.Header{
		transport.HeaderDLQReason: "x", transport.HeaderDLQTime: "yesterday",
	}})
	require.ErrorIs(t, err, transport.ErrDecode)
	assert.Contains(t, err.Error(), `Hark-Dlq-Time="yesterday" is not an RFC 3339 time`)
}

// Original headers named like the record's own are kept and come back
// exactly: a Hark-Dlq-* header of the sender's, and a whole earlier record
// dead-lettered again.
func TestDeadLetter_keeps_original_Hark_Dlq_headers(t *testing.T) {
	d := sampleDeadLetter()
	d.Original.Header = transport.Header{
		"Hark-Dlq-Foo":                    "bar",
		transport.HeaderDLQReason:         "the sender's own",
		"Hark-Dlq-Original-Hark-Dlq-Foo":  "already prefixed",
		transport.HeaderDLQOriginalPrefix: "just the prefix",
		"x-trace":                         "abc",
	}
	orig := d.Original.Header.Clone()

	rec := d.Message()
	assert.Equal(t, transport.ReasonMaxDeliveries, rec.Header[transport.HeaderDLQReason], "the record's own reason")
	got, err := transport.ParseDeadLetter(rec)
	require.NoError(t, err)
	assert.Equal(t, orig, got.Original.Header, "every original header, byte for byte")
	assert.Equal(t, transport.ReasonMaxDeliveries, got.Info.Reason)

	// A record of a record: the inner record comes back whole.
	outer := transport.DeadLetter{Original: rec, Info: transport.DeadLetterInfo{Reason: transport.ReasonRejected}, Time: d.Time}
	inner, err := transport.ParseDeadLetter(outer.Message())
	require.NoError(t, err)
	assert.Equal(t, transport.ReasonRejected, inner.Info.Reason)
	assert.Equal(t, rec.Header, inner.Original.Header)
	again, err := transport.ParseDeadLetter(inner.Original)
	require.NoError(t, err)
	assert.Equal(t, orig, again.Original.Header)
}
