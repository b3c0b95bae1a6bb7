package oslo

import (
	"encoding/json"

	"github.com/harkmq/hark/transport"
)

// OsloMessage is a notification as oslo.messaging puts it on the wire,
// decoded: the inner message of a v2 envelope, or a v1 body.
type OsloMessage struct {
	// MessageID is the dashed UUID of the notification ("message_id").
	MessageID string
	// PublisherID is "publisher_id" ("" when absent or null).
	PublisherID string
	// EventType is "event_type" ("" when absent or null).
	EventType string
	// Priority is "priority" exactly as sent (oslo sends upper case).
	Priority string
	// Payload is "payload" as raw JSON ("null" when absent).
	Payload json.RawMessage
	// Timestamp is "timestamp" exactly as sent.
	Timestamp string
	// Context is the request context (never nil after Decode): the nested
	// "_context" object of oslo's kafka layout, as sent, or else the
	// "_context_*" keys with the prefix stripped. Decoded JSON numbers are
	// json.Number, so that re-encoding writes them exactly as received.
	// From flattened keys, Decode changes it as oslo's rabbit listener
	// changes its ctxt: "msg_id" and "reply_q" (RPC reply addresses) are
	// removed, and "client_timeout" is the message's "_timeout" (nil when
	// absent) whenever either "_timeout" or "_context_client_timeout" was
	// sent. oslo's kafka listener rewrites nothing, and neither does
	// Decode for a nested context.
	Context map[string]any
	// ContextKeys is the order of Context's keys on the wire: Decode sets
	// it to the order they came in, and EncodeNotification writes the
	// keys listed here first, in this order (each once; names not in
	// Context are skipped), then the rest sorted. oslo writes a context in
	// its dict's insertion order, which a Go map cannot keep; nil means
	// sorted.
	ContextKeys []string
	// UniqueID is "_unique_id", the per-send de-duplication key.
	UniqueID string
	// Version is 1 (bare body) or 2 (oslo.version 2.0 envelope).
	Version int
	// Dialect is the layout Decode found the context in: DialectKafka
	// when the message held a nested "_context" object, DialectAMQP
	// otherwise (flattened "_context_*" keys, or no context at all).
	// EncodeNotification ignores it: EncodeOptions.Dialect decides.
	Dialect transport.Dialect
}

// EncodeOptions say how EncodeNotification writes the body.
type EncodeOptions struct {
	// Version is 1 (oslo's "messaging" driver: bare body) or 2
	// ("messagingv2": the envelope). 0 means 2.
	Version int
	// Compression is "" (none), "gzip" or "zlib" (zlib data, header
	// application/x-gzip, as kombu does), "bz2" or "bzip2"
	// (application/x-bz2), "xz" or "lzma" (application/x-lzma). The MIME
	// types themselves are accepted too, as kombu accepts them. Names are
	// case-insensitive; anything else is an error listing the valid ones.
	Compression string
	// Dialect is the layout, as oslo's driver for the destination broker
	// writes it. DialectAMQP (the default: oslo's rabbit driver, used on
	// RabbitMQ, NATS and memory) writes the context flattened into
	// "_context_<key>" members and the message's UniqueID. DialectKafka
	// (oslo's kafka driver) writes the context as one nested "_context"
	// object after the message's own members and no "_unique_id" (a set
	// UniqueID is left out), and always the v2 envelope: oslo's kafka
	// driver ignores the message version, so Version 1 gives the same
	// bytes as 2. Kafka carries no kombu compression (oslo's kafka
	// listener reads no headers; the broker compresses, see the URL's
	// compression_codec), so Compression must be "".
	Dialect transport.Dialect
}

// Compression header names and values, as kombu writes them.
const (
	HeaderCompression = "compression"
	CompressionGzip   = "application/x-gzip"
	CompressionBzip2  = "application/x-bz2"
	CompressionXz     = "application/x-lzma"
)
