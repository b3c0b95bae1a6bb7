package transport

import (
	"encoding/json"
	"time"
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
	// stripped (never nil after Decode).
	Context map[string]any
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
	// (application/x-bz2), "xz" or "lzma" (application/x-lzma).
	Compression string
}

// Compression header names and values, as kombu writes them.
const (
	HeaderCompression = "compression"
	CompressionGzip   = "application/x-gzip"
	CompressionBzip2  = "application/x-bz2"
	CompressionXz     = "application/x-lzma"
)

// NewMessageID returns a message_id as oslo makes it: a random dashed UUID.
func NewMessageID() string { panic("not implemented") }

// NewUniqueID returns a _unique_id as oslo makes it: 32 hex digits.
func NewUniqueID() string { panic("not implemented") }

// FormatTimestamp formats t as oslo's notifier does: str() of a naive UTC
// datetime, "2006-01-02 15:04:05.000000", without the fraction when the
// microseconds are zero.
func FormatTimestamp(t time.Time) string { panic("not implemented") }

// EncodeNotification encodes m as oslo.messaging's rabbit driver does.
func EncodeNotification(m *OsloMessage, o EncodeOptions) (Message, error) {
	panic("not implemented")
}

// DecodeNotification decodes a body (and its compression header) as
// oslo.messaging's listener does. Errors wrap ErrDecode.
func DecodeNotification(msg Message) (*OsloMessage, error) { panic("not implemented") }
