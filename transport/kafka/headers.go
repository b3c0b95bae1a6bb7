package kafka

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/transport"
)

// Record header names hark adds. Records hark's notifier sends carry none
// of them (see recordHeaders), so oslo's listener sees exactly what oslo's
// notifier writes.
const (
	// HeaderID carries transport.Message.ID when the body does not say it
	// (see bodyID).
	HeaderID = "Hark-Id"
	// Headers of a record on a retry topic: how many deliveries the
	// message had when it was requeued, when it is due (Unix
	// milliseconds), and where it was first read (topic, partition,
	// offset) by which group.
	HeaderRetryDeliveries = "Hark-Retry-Deliveries"
	HeaderRetryDue        = "Hark-Retry-Due"
	HeaderRetryTopic      = "Hark-Retry-Topic"
	HeaderRetryPartition  = "Hark-Retry-Partition"
	HeaderRetryOffset     = "Hark-Retry-Offset"
	HeaderRetryGroup      = "Hark-Retry-Group"
)

// Prefixes of the bodies whose message_id bodyID reads: oslo's v2
// envelope, whose inner object starts with message_id (oslo's notifier
// and hark's write it first), and a v1 body.
var (
	v2Prefix = []byte(`{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"`)
	v1Prefix = []byte(`{"message_id": "`)
)

// bodyID returns the message_id at the start of an oslo body as oslo's
// notifier and hark's write it, or "" for any other body. It reads a
// fixed prefix only, so it costs nothing next to decoding.
func bodyID(body []byte) string {
	var rest []byte
	var end []byte
	switch {
	case bytes.HasPrefix(body, v2Prefix):
		rest, end = body[len(v2Prefix):], []byte(`\"`)
	case bytes.HasPrefix(body, v1Prefix):
		rest, end = body[len(v1Prefix):], []byte(`"`)
	default:
		return ""
	}
	i := bytes.Index(rest, end)
	if i <= 0 || i > 128 || bytes.IndexByte(rest[:i], '\\') >= 0 {
		return ""
	}
	return string(rest[:i])
}

// recordHeaders returns msg's headers as Kafka record headers, sorted by
// name so that a record's bytes do not depend on map order, plus HeaderID
// when msg has an ID its body does not say. A notification from hark's
// notifier (ID = the body's message_id, no headers) gets none, like
// oslo's.
func recordHeaders(msg transport.Message, extra int) []kgo.RecordHeader {
	needID := msg.ID != "" && bodyID(msg.Body) != msg.ID
	n := len(msg.Header) + extra
	if needID {
		n++
	}
	if n == 0 {
		return nil
	}
	hs := make([]kgo.RecordHeader, 0, n)
	for k, v := range msg.Header {
		hs = append(hs, kgo.RecordHeader{Key: k, Value: []byte(v)})
	}
	slices.SortFunc(hs, func(a, b kgo.RecordHeader) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	if needID {
		hs = append(hs, kgo.RecordHeader{Key: HeaderID, Value: []byte(msg.ID)})
	}
	return hs
}

// retryInfo is what a retry record's headers say.
type retryInfo struct {
	ok         bool
	deliveries int
	dueMillis  int64
	topic      string
	partition  int32
	offset     int64
	group      string
}

// fromRecord returns the message a record holds: its value as the body,
// its headers but hark's own, the ID from HeaderID or the body; and what
// the retry headers say, if any.
func fromRecord(r *kgo.Record) (transport.Message, retryInfo) {
	msg := transport.Message{Body: r.Value}
	if msg.Body == nil {
		msg.Body = []byte{}
	}
	var ri retryInfo
	for _, h := range r.Headers {
		v := string(h.Value)
		switch h.Key {
		case HeaderID:
			msg.ID = v
			continue
		case HeaderRetryDeliveries:
			ri.ok = true
			ri.deliveries, _ = strconv.Atoi(v)
			continue
		case HeaderRetryDue:
			ri.dueMillis, _ = strconv.ParseInt(v, 10, 64)
			continue
		case HeaderRetryTopic:
			ri.topic = v
			continue
		case HeaderRetryPartition:
			p, _ := strconv.ParseInt(v, 10, 32)
			ri.partition = int32(p)
			continue
		case HeaderRetryOffset:
			ri.offset, _ = strconv.ParseInt(v, 10, 64)
			continue
		case HeaderRetryGroup:
			ri.group = v
			continue
		}
		if msg.Header == nil {
			msg.Header = make(transport.Header, len(r.Headers))
		}
		msg.Header[h.Key] = v
	}
	if msg.ID == "" {
		msg.ID = bodyID(msg.Body)
	}
	return msg, ri
}
