package bench

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// messageMaker encodes the benchmark's notifications: oslo v2 envelopes
// of an instance update, padded so the body is size bytes (or the
// smallest such notification, about 500 bytes, when size is smaller).
// Each gets its own message_id and _unique_id, as a real notifier's sends
// do, so de-duplication (hark's cache, JetStream's Nats-Msg-Id) sees
// distinct notifications. On Kafka they are laid out as oslo's kafka
// driver writes them (transport.DialectKafka: the context nested, no
// _unique_id).
type messageMaker struct {
	pad     int // bytes of padding that bring the body to the target size
	dialect transport.Dialect
}

// newMessageMaker makes notifications in oslo's rabbit layout
// (transport.DialectAMQP).
func newMessageMaker(size int) (*messageMaker, error) {
	return newDialectMessageMaker(size, transport.DialectAMQP)
}

// newDialectMessageMaker makes notifications in layout d.
func newDialectMessageMaker(size int, d transport.Dialect) (*messageMaker, error) {
	mm := &messageMaker{dialect: d}
	m, err := mm.make(time.Time{}, transport.Info)
	if err != nil {
		return nil, err
	}
	mm.pad = max(0, size-len(m.Body))
	return mm, nil
}

// make encodes one notification of priority p whose oslo timestamp is at
// (the moment the scenario meant to send it; the zero time means now).
// The body's priority is p upper-cased, as oslo's notifier writes it.
func (mm *messageMaker) make(at time.Time, p transport.Priority) (transport.Message, error) {
	if at.IsZero() {
		at = time.Now()
	}
	payload := fmt.Sprintf(`{"instance_id": %q, "state": "active", "pad": "%s"}`,
		oslo.NewMessageID(), strings.Repeat("x", mm.pad))
	msg, err := oslo.EncodeNotification(&oslo.OsloMessage{
		MessageID:   oslo.NewMessageID(),
		UniqueID:    oslo.NewUniqueID(),
		PublisherID: "compute.bench",
		EventType:   "compute.instance.update",
		Priority:    p.Upper(),
		Payload:     json.RawMessage(payload),
		Timestamp:   oslo.FormatTimestamp(at),
		Context:     map[string]any{"request_id": "req-bench", "project_id": "p-1"},
	}, oslo.EncodeOptions{Dialect: mm.dialect})
	if err != nil {
		return transport.Message{}, fmt.Errorf("bench: encode a notification: %w", err)
	}
	return msg, nil
}

// timestampLayout is oslo's timestamp format (oslo.FormatTimestamp),
// always UTC.
const timestampLayout = "2006-01-02 15:04:05.999999"

// parseTimestamp reads an oslo timestamp; the zero time when it is not
// one.
func parseTimestamp(s string) time.Time {
	t, err := time.Parse(timestampLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
