package nats

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"unicode/utf8"

	natsgo "github.com/nats-io/nats.go"

	"github.com/harkmq/hark/transport"
)

// Header names the transport uses on the wire. They never appear in
// Delivery.Message().Header.
const (
	// headerMsgID is JetStream's de-duplication header: Message.ID.
	headerMsgID = natsgo.MsgIdHdr // "Nats-Msg-Id"
	// headerHarkID carries Message.ID when Nats-Msg-Id holds something
	// else: a dead-letter record keeps the original ID but must not be
	// de-duplicated against the original, which is in the same stream.
	headerHarkID = "Hark-Nats-Id"
	// headerBag carries (see encodeBag) the message headers
	// NATS cannot carry as they are: values with CR, LF, surrounding
	// whitespace or invalid UTF-8 (nats.go trims and rewrites them), keys
	// that are not HTTP-style tokens, and keys NATS itself interprets
	// (Nats-*) or the transport uses.
	headerBag = "Hark-Nats-Headers"
)

// scopedID is the Nats-Msg-Id of a send of a message with ID id to
// subject: the ID scoped by its destination. A stream holds a whole
// exchange, and the same notification sent (or forwarded) to two topics of
// it is two sends, both to be kept; a retry of one send goes to the same
// subject and is still dropped as a duplicate. decodeHeader strips the
// scope again.
func scopedID(id, subject string) string {
	if id == "" {
		return ""
	}
	return id + "@" + subject
}

// encodeHeader turns a hark message's ID and headers into NATS headers for
// a publish to subject. msgID is the Nats-Msg-Id to set ("" for none);
// unless it is m.ID or scopedID(m.ID, subject), m.ID travels in
// Hark-Nats-Id.
func encodeHeader(m transport.Message, msgID, subject string) natsgo.Header {
	if len(m.Header) == 0 && msgID == "" && m.ID == "" {
		return nil
	}
	h := make(natsgo.Header, len(m.Header)+2)
	var bag map[string]string
	for k, v := range m.Header {
		if headerSafe(k, v) {
			h[k] = []string{v}
			continue
		}
		if bag == nil {
			bag = map[string]string{}
		}
		bag[k] = v
	}
	if bag != nil {
		h[headerBag] = []string{encodeBag(bag)}
	}
	if msgID != "" {
		h[headerMsgID] = []string{msgID}
	}
	if m.ID != "" && msgID != m.ID && msgID != scopedID(m.ID, subject) {
		h[headerHarkID] = []string{m.ID}
	}
	return h
}

// headerSafe reports whether k: v crosses NATS unchanged and uninterpreted.
func headerSafe(k, v string) bool {
	if !validHeaderKey(k) || reservedHeader(k) {
		return false
	}
	return utf8.ValidString(v) && !strings.ContainsAny(v, "\r\n") && textproto.TrimString(v) == v
}

// validHeaderKey is nats.go's rule: printable ASCII, no ':' and no space.
func validHeaderKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// reservedHeader: Nats-* headers steer the server (Nats-Msg-Id,
// Nats-Expected-*, Nats-Rollup, Nats-TTL...), and the transport's own.
func reservedHeader(k string) bool {
	return strings.HasPrefix(strings.ToLower(k), "nats-") || k == headerHarkID || k == headerBag
}

// decodeHeader turns received NATS headers back into the hark message ID
// and headers of a message received on subject (the Nats-Msg-Id's
// subject scope removed), dropping every Nats-* header and the transport's
// own.
func decodeHeader(h natsgo.Header, subject string) (id string, out transport.Header, err error) {
	for k, vs := range h {
		if len(vs) == 0 {
			continue
		}
		switch {
		case k == headerBag:
			bag, err := decodeBag(vs[0])
			if err != nil {
				return "", nil, err
			}
			if out == nil {
				out = make(transport.Header, len(h)+len(bag))
			}
			for bk, bv := range bag {
				out[bk] = bv
			}
		case k == headerHarkID:
			id = vs[0]
		case k == headerMsgID:
			if id == "" {
				id = vs[0]
			}
		case reservedHeader(k):
		default:
			if out == nil {
				out = make(transport.Header, len(h))
			}
			out[k] = vs[0]
		}
	}
	if hid := h.Get(headerHarkID); hid != "" {
		id = hid
	} else if subject != "" {
		id = strings.TrimSuffix(id, "@"+subject)
	}
	return id, out, nil
}

// encodeBag encodes headers as a JSON object whose keys and values are the
// base64 of the original bytes: lossless for any key and value, invalid
// UTF-8 included, and a header-safe ASCII value.
func encodeBag(bag map[string]string) string {
	enc := make(map[string]string, len(bag))
	for k, v := range bag {
		enc[base64.StdEncoding.EncodeToString([]byte(k))] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	b, _ := json.Marshal(enc) // a map of strings always marshals
	return string(b)
}

func decodeBag(s string) (map[string]string, error) {
	var enc map[string]string
	if err := json.Unmarshal([]byte(s), &enc); err != nil {
		return nil, fmt.Errorf("%w: header %s is not a JSON object of strings: %w", transport.ErrDecode, headerBag, err)
	}
	bag := make(map[string]string, len(enc))
	for k, v := range enc {
		kb, err1 := base64.StdEncoding.DecodeString(k)
		vb, err2 := base64.StdEncoding.DecodeString(v)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%w: header %s holds a value that is not base64: %w", transport.ErrDecode, headerBag, err)
		}
		bag[string(kb)] = string(vb)
	}
	return bag, nil
}
