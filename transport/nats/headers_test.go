package nats

import (
	"testing"

	natsgo "github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

// wire sends h through nats.go's header encoding and parsing, as the
// server would relay it.
func wire(t *testing.T, h natsgo.Header) natsgo.Header {
	t.Helper()
	if h == nil {
		return nil
	}
	m := &natsgo.Msg{Subject: "x", Header: h}
	// The same encoding PublishMsg uses, then the client's parser.
	raw, err := headerBytes(m)
	require.NoError(t, err)
	got, err := natsgo.DecodeHeadersMsg(raw)
	require.NoError(t, err)
	return got
}

func TestHeaders_roundTrip(t *testing.T) {
	cases := map[string]transport.Message{
		"none":     {},
		"id only":  {ID: "abc"},
		"plain":    {ID: "1", Header: transport.Header{"compression": "application/x-gzip", "X-Case": "Mixed", "x-case": "lower"}},
		"unicode":  {ID: "2", Header: transport.Header{"X-Unicode": "héllo ✓ 日本", "Ünïcode-Key": "v"}},
		"spaces":   {ID: "3", Header: transport.Header{"X-Pad": "  padded  ", "X-Empty": "", "X-Tab": "\tx"}},
		"newlines": {ID: "4", Header: transport.Header{"X-Trace": "line1\r\nline2\n", "X-Colon": "a: b"}},
		"reserved": {ID: "5", Header: transport.Header{"Nats-Msg-Id": "spoof", "nats-expected-stream": "x", "Hark-Nats-Id": "y", "Hark-Nats-Headers": "z"}},
		"bad key":  {ID: "6", Header: transport.Header{"with space": "v", "with:colon": "v", "": "empty key"}},
		"invalid":  {ID: "7", Header: transport.Header{"X-Bin": "\xff\xfe"}},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			id, h, err := decodeHeader(wire(t, encodeHeader(m, m.ID, "")), "")
			require.NoError(t, err)
			assert.Equal(t, m.ID, id)
			if len(m.Header) == 0 {
				assert.Empty(t, h)
				return
			}
			assert.Equal(t, m.Header, h, "byte for byte")
		})
	}
}

func TestHeaders_dedupIDDiffers(t *testing.T) {
	m := transport.Message{ID: "orig", Header: transport.Header{"a": "b"}}
	h := encodeHeader(m, "hark-dlq:S:c:7", "ex.t.info")
	assert.Equal(t, "hark-dlq:S:c:7", h.Get(natsgo.MsgIdHdr))
	id, got, err := decodeHeader(wire(t, h), "ex.t.info")
	require.NoError(t, err)
	assert.Equal(t, "orig", id, "the record keeps the original ID")
	assert.Equal(t, m.Header, got)
}

func TestHeaders_serverHeadersDropped(t *testing.T) {
	h := natsgo.Header{"Nats-Stream": {"S"}, "Nats-Sequence": {"3"}, "Nats-Msg-Id": {"i"}, "X": {"y"}}
	id, got, err := decodeHeader(h, "")
	require.NoError(t, err)
	assert.Equal(t, "i", id)
	assert.Equal(t, transport.Header{"X": "y"}, got)
}

func TestHeaders_badBag(t *testing.T) {
	_, _, err := decodeHeader(natsgo.Header{headerBag: {"%%%"}}, "")
	require.ErrorIs(t, err, transport.ErrDecode)
}

func TestHeaders_sendIDScopedBySubject(t *testing.T) {
	m := transport.Message{ID: "u1"}
	h := encodeHeader(m, scopedID(m.ID, "openstack.notifications.info"), "openstack.notifications.info")
	assert.Equal(t, "u1@openstack.notifications.info", h.Get(natsgo.MsgIdHdr), "de-duplicated per destination")
	assert.Empty(t, h.Get(headerHarkID), "the ID needs no second header")
	id, _, err := decodeHeader(wire(t, h), "openstack.notifications.info")
	require.NoError(t, err)
	assert.Equal(t, "u1", id)
}
