package notifydriver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// Log is oslo's "log" driver: one log entry per notification, on a
// logger named "oslo.messaging.notification.<event_type>" (under the
// notifier's logger), whose message is the notification as JSON with
// secrets masked (oslo's strutils.mask_dict_password). As in oslo the
// request context is not logged.
//
// Levels: debug → Debug; info, audit and sample → Info (oslo has no
// audit or sample log level and only warns; hark logs them, with the
// priority field telling them apart); warn → Warn; error → Error;
// critical → Error with critical=true. It never logs at DPanic, Panic or
// Fatal, which would end the program.
type Log struct {
	log            *zap.Logger
	invalidPayload error
}

// NewLog returns the log driver writing under l. A payload that is not
// JSON is an error wrapping invalidPayload (the facade's sentinel).
func NewLog(l *zap.Logger, invalidPayload error) Log {
	return Log{log: l, invalidPayload: invalidPayload}
}

func logLevel(p transport.Priority) (lvl zapcore.Level, critical bool) {
	switch p {
	case transport.Debug:
		return zapcore.DebugLevel, false
	case transport.Warn:
		return zapcore.WarnLevel, false
	case transport.Error:
		return zapcore.ErrorLevel, false
	case transport.Critical:
		return zapcore.ErrorLevel, true
	default: // info, audit, sample
		return zapcore.InfoLevel, false
	}
}

// Notify logs m at the level of p.
func (d Log) Notify(_ context.Context, m *oslo.OsloMessage, p transport.Priority, _ int) error {
	l := d.log.Named("oslo.messaging.notification." + m.EventType)
	lvl, critical := logLevel(p)
	if !l.Core().Enabled(lvl) {
		return nil // skip the masking and encoding nobody would see
	}
	body, err := logBody(m, d.invalidPayload)
	if err != nil {
		return err
	}
	ce := l.Check(lvl, body)
	if ce == nil {
		return nil
	}
	fields := []zap.Field{zap.String("priority", string(p))}
	if critical {
		fields = append(fields, zap.Bool("critical", true))
	}
	ce.Write(fields...)
	return nil
}

// logBody renders the message dict oslo's log driver dumps: message_id,
// publisher_id, event_type, priority, payload, timestamp, masked.
func logBody(m *oslo.OsloMessage, invalidPayload error) (string, error) {
	var payload any
	if len(m.Payload) > 0 {
		var err error // numbers are kept exactly as sent, NaN and Infinity too
		if payload, err = oslo.DecodeValue(m.Payload); err != nil {
			return "", fmt.Errorf("%w: %w", invalidPayload, err)
		}
	}
	msg := map[string]any{
		"message_id":   m.MessageID,
		"publisher_id": m.PublisherID,
		"event_type":   m.EventType,
		"priority":     m.Priority,
		"payload":      payload,
		"timestamp":    m.Timestamp,
	}
	masked := maskDictPassword(msg)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(masked); err != nil {
		// NaN or Infinity, which encoding/json refuses: written as oslo's
		// log driver (Python's json.dumps) writes them.
		py, perr := oslo.EncodeJSON(masked)
		if perr != nil {
			return "", fmt.Errorf("log driver: %w", err)
		}
		return string(py), nil
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
