package oslo

import (
	"encoding/json"
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
	// Context is the request context: the "_context_*" keys with the prefix
	// stripped (never nil after Decode). Decoded JSON numbers are
	// json.Number, so that re-encoding writes them exactly as received.
	// Decode changes it as oslo's listener changes its ctxt: "msg_id" and
	// "reply_q" (RPC reply addresses) are removed, and "client_timeout" is
	// the message's "_timeout" (nil when absent) whenever either
	// "_timeout" or "_context_client_timeout" was sent.
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
}

// Compression header names and values, as kombu writes them.
const (
	HeaderCompression = "compression"
	CompressionGzip   = "application/x-gzip"
	CompressionBzip2  = "application/x-bz2"
	CompressionXz     = "application/x-lzma"
)
