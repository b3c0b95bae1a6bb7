package transport

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/harkmq/hark/target"
)

// Reasons a message is dead-lettered.
const (
	// ReasonMaxDeliveries: the message was delivered MaxDeliveries times
	// without being handled.
	ReasonMaxDeliveries = "max_deliveries"
	// ReasonDecode: the body could not be decoded as a notification.
	ReasonDecode = "decode_error"
	// ReasonRejected: an endpoint rejected the notification outright (e.g.
	// a webhook answered 4xx).
	ReasonRejected = "rejected"
	// ReasonRequeueRefused: an endpoint asked for a requeue that the
	// listener does not allow and the listener is configured to keep, not
	// drop, such notifications.
	ReasonRequeueRefused = "requeue_refused"
)

// DeadLetterInfo is what the settling side knows about a dead letter. The
// driver adds the rest (deliveries, source, pool, time).
type DeadLetterInfo struct {
	// Reason is one of the Reason constants (or a caller's own word).
	Reason string
	// LastError is the last handler error or decode error, if any.
	LastError string
	// Endpoint names the endpoint that gave the final result, if any.
	Endpoint string
	// ID names this dead-lettering, so a log line can be matched to its
	// record: the record carries it in the Hark-Dlq-Id header. Listeners
	// set a new random one for each dead letter and log it; "" writes no
	// header.
	ID string
}

// Header names of a dead-letter record. The record's body is the original
// body byte for byte; its headers are the original headers plus these. An
// original header whose name starts with Hark-Dlq- (a record's own, when
// a record is dead-lettered again, or anyone's) is kept under
// HeaderDLQOriginalPrefix + its name, so that it neither collides with
// the record's headers nor is lost: ParseDeadLetter gives every original
// header back as it was.
const (
	HeaderDLQID         = "Hark-Dlq-Id"
	HeaderDLQReason     = "Hark-Dlq-Reason"
	HeaderDLQDeliveries = "Hark-Dlq-Deliveries"
	HeaderDLQLastError  = "Hark-Dlq-Last-Error"
	HeaderDLQEndpoint   = "Hark-Dlq-Endpoint"
	HeaderDLQPool       = "Hark-Dlq-Pool"
	HeaderDLQExchange   = "Hark-Dlq-Exchange"
	HeaderDLQTopic      = "Hark-Dlq-Topic"
	HeaderDLQPriority   = "Hark-Dlq-Priority"
	HeaderDLQTime       = "Hark-Dlq-Time"
	headerDLQPrefix     = "Hark-Dlq-"
	// HeaderDLQOriginalPrefix prefixes the name of an original header
	// that starts with Hark-Dlq- in the record.
	HeaderDLQOriginalPrefix = "Hark-Dlq-Original-"
)

// maxHeaderValue bounds a header value taken from an error message, so a
// huge error cannot make the record unpublishable (AMQP frame limits).
const maxHeaderValue = 4096

// DeadLetter is a dead-letter record: the original message plus why, where
// from, and when.
type DeadLetter struct {
	// Original is the message exactly as it was received.
	Original Message
	// Info is the reason, last error and endpoint.
	Info DeadLetterInfo
	// Deliveries is how many times the message had been delivered.
	Deliveries int
	// Source is where the message came from.
	Source Source
	// Time is when it was dead-lettered.
	Time time.Time
}

// Message encodes the record: the original body, unchanged, and the
// original headers (those named Hark-Dlq-* renamed, see
// HeaderDLQOriginalPrefix) plus the Hark-Dlq-* headers. The message ID is
// kept.
func (d DeadLetter) Message() Message {
	h := make(Header, len(d.Original.Header)+10)
	for k, v := range d.Original.Header {
		if strings.HasPrefix(k, headerDLQPrefix) {
			k = HeaderDLQOriginalPrefix + k
		}
		h[k] = v
	}
	h[HeaderDLQReason] = d.Info.Reason
	if d.Info.ID != "" {
		h[HeaderDLQID] = d.Info.ID
	}
	h[HeaderDLQDeliveries] = strconv.Itoa(d.Deliveries)
	if d.Info.LastError != "" {
		h[HeaderDLQLastError] = truncate(d.Info.LastError, maxHeaderValue)
	}
	if d.Info.Endpoint != "" {
		h[HeaderDLQEndpoint] = d.Info.Endpoint
	}
	if d.Source.Pool != "" {
		h[HeaderDLQPool] = d.Source.Pool
	}
	h[HeaderDLQExchange] = d.Source.Target.Exchange
	h[HeaderDLQTopic] = d.Source.Target.Topic
	h[HeaderDLQPriority] = string(d.Source.Priority)
	h[HeaderDLQTime] = d.Time.UTC().Format(time.RFC3339Nano)
	return Message{ID: d.Original.ID, Body: d.Original.Body, Header: h}
}

// ParseDeadLetter decodes a record made by DeadLetter.Message. The returned
// record's Original is the message as first received, every header
// included, ready to replay to
// Source.Target with Source.Priority. The error wraps ErrDecode when msg is
// not a dead-letter record.
func ParseDeadLetter(msg Message) (DeadLetter, error) {
	reason, ok := msg.Header[HeaderDLQReason]
	if !ok {
		return DeadLetter{}, fmt.Errorf("%w: not a dead-letter record: no %s header", ErrDecode, HeaderDLQReason)
	}
	d := DeadLetter{
		Info: DeadLetterInfo{
			Reason:    reason,
			LastError: msg.Header[HeaderDLQLastError],
			Endpoint:  msg.Header[HeaderDLQEndpoint],
			ID:        msg.Header[HeaderDLQID],
		},
		Source: Source{
			Target:   target.Target{Exchange: msg.Header[HeaderDLQExchange], Topic: msg.Header[HeaderDLQTopic]},
			Priority: Priority(msg.Header[HeaderDLQPriority]),
			Pool:     msg.Header[HeaderDLQPool],
		},
	}
	if s := msg.Header[HeaderDLQDeliveries]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return DeadLetter{}, fmt.Errorf("%w: dead-letter header %s=%q is not a number", ErrDecode, HeaderDLQDeliveries, s)
		}
		d.Deliveries = n
	}
	if s := msg.Header[HeaderDLQTime]; s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return DeadLetter{}, fmt.Errorf("%w: dead-letter header %s=%q is not an RFC 3339 time", ErrDecode, HeaderDLQTime, s)
		}
		d.Time = t
	}
	var orig Header
	for k, v := range msg.Header {
		if name, ok := strings.CutPrefix(k, HeaderDLQOriginalPrefix); ok {
			k = name
		} else if strings.HasPrefix(k, headerDLQPrefix) {
			continue
		}
		if orig == nil {
			orig = make(Header, len(msg.Header))
		}
		orig[k] = v
	}
	d.Original = Message{ID: msg.ID, Body: msg.Body, Header: orig}
	return d, nil
}

// truncate cuts s to at most n bytes plus "…", at a rune boundary so the
// header stays valid UTF-8.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
