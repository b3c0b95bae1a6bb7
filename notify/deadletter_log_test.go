package notify_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// deadLetterLine waits for the one log line whose message contains
// snippet and returns its fields.
func deadLetterLine(t *testing.T, logs *observer.ObservedLogs, snippet string) observer.LoggedEntry {
	t.Helper()
	eventually(t, func() bool { return logs.FilterMessageSnippet(snippet).Len() > 0 }, "a log line containing %q", snippet)
	lines := logs.FilterMessageSnippet(snippet).All()
	require.Len(t, lines, 1)
	return lines[0]
}

// A rejected notification is logged at WARN with what identifies it, why,
// and where its record went, under the record's own id.
func TestDeadLetterLog_rejected(t *testing.T) {
	tr := newTransport(t)
	core, logs := observer.New(zap.InfoLevel)
	ep := &recorder{name: "webhook", next: []dispatcher.Result{dispatcher.Reject(errors.New("webhook http://h/x: 400 Bad Request"))}}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, allowRequeue, notify.WithLogger(zap.New(core)))
	require.NoError(t, err)
	start(t, l)
	id := send(t, tr, topic, transport.Info, nil, "compute.instance.create.end", 1)
	dl := deadLetters(t, tr, topic, 1)[0]

	line := deadLetterLine(t, logs, "rejected")
	assert.Equal(t, zapcore.WarnLevel, line.Level)
	f := line.ContextMap()
	assert.Equal(t, id, f["message_id"])
	assert.Equal(t, "compute.instance.create.end", f["event_type"])
	assert.Equal(t, "info", f["priority"])
	assert.Equal(t, transport.ReasonRejected, f["reason"])
	assert.Equal(t, "webhook http://h/x: 400 Bad Request", f["last_error"])
	assert.Equal(t, "webhook", f["endpoint"])
	assert.EqualValues(t, 1, f["deliveries"])
	assert.Equal(t, "openstack/topic.dlq", f["dead_letter_to"])
	require.NotEmpty(t, dl.Info.ID, "the record has an id")
	assert.Equal(t, dl.Info.ID, f["dead_letter_id"], "the line names the record")
}

// The max_deliveries warning says what the last error was.
func TestDeadLetterLog_maxDeliveries(t *testing.T) {
	tr := newTransport(t)
	core, logs := observer.New(zap.InfoLevel)
	ep := &recorder{name: "db"}
	for range 2 {
		ep.next = append(ep.next, dispatcher.RequeueWith(errors.New("database down")))
	}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep},
		notify.WithRequeue(notify.RequeuePolicy{Allow: true, MaxDeliveries: 2}), notify.WithLogger(zap.New(core)))
	require.NoError(t, err)
	start(t, l)
	id := send(t, tr, topic, transport.Info, nil, "e", 1)
	dl := deadLetters(t, tr, topic, 1)[0]

	line := deadLetterLine(t, logs, "maximum deliveries")
	assert.Equal(t, zapcore.WarnLevel, line.Level)
	f := line.ContextMap()
	assert.Equal(t, "database down", f["last_error"])
	assert.Equal(t, id, f["message_id"])
	assert.EqualValues(t, 2, f["deliveries"])
	assert.EqualValues(t, 2, f["max_deliveries"])
	assert.Equal(t, "db", f["endpoint"])
	assert.Equal(t, dl.Info.ID, f["dead_letter_id"])
}

// A body that cannot be decoded has no message id: the ERROR line names
// the dead-letter record's id instead, and it matches the record.
func TestDeadLetterLog_decodeErrorNamesTheRecord(t *testing.T) {
	tr := newTransport(t)
	core, logs := observer.New(zap.InfoLevel)
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{&recorder{}}, notify.WithLogger(zap.New(core)))
	require.NoError(t, err)
	start(t, l)
	for _, body := range []string{`{"oslo.version": "2.0", "oslo.message": "{not json"}`, `not json at all`} {
		require.NoError(t, tr.Send(t.Context(), topic, transport.Info, transport.Message{Body: []byte(body)}))
	}
	dls := deadLetters(t, tr, topic, 2)
	eventually(t, func() bool { return logs.FilterMessageSnippet("cannot decode").Len() == 2 }, "two decode-error lines")
	// The two are handled in parallel: the lines and the records can come
	// in either order, so each record is matched to the line naming it.
	lines := map[any]observer.LoggedEntry{}
	for _, line := range logs.FilterMessageSnippet("cannot decode").All() {
		lines[line.ContextMap()["dead_letter_id"]] = line
	}
	for i, dl := range dls {
		require.NotEmpty(t, dl.Info.ID)
		line, ok := lines[dl.Info.ID]
		require.True(t, ok, "record %d (%s) is named by a line", i, dl.Info.ID)
		assert.Equal(t, zapcore.ErrorLevel, line.Level)
		f := line.ContextMap()
		assert.Equal(t, transport.ReasonDecode, f["reason"])
		assert.Equal(t, dl.Info.LastError, f["last_error"])
		assert.Equal(t, "openstack/topic.dlq", f["dead_letter_to"])
	}
	assert.NotEqual(t, dls[0].Info.ID, dls[1].Info.ID, "each dead letter has an id of its own")
}

// A transport that cannot dead-letter: the notification is acknowledged
// and logged whole at ERROR, with an id and the reason.
func TestDeadLetterLog_transportWithoutDeadLetters(t *testing.T) {
	tr := limited{Transport: newTransport(t), caps: transport.Capabilities{Requeue: true}}
	core, logs := observer.New(zap.InfoLevel)
	ep := &recorder{name: "webhook", next: []dispatcher.Result{dispatcher.Reject(errors.New("400"))}}
	l, err := notify.NewListener(tr, []target.Target{topic}, []any{ep}, allowRequeue, notify.WithLogger(zap.New(core)))
	require.NoError(t, err)
	start(t, l)
	send(t, tr, topic, transport.Info, nil, "e", 1)
	line := deadLetterLine(t, logs, "cannot dead-letter")
	assert.Equal(t, zapcore.ErrorLevel, line.Level)
	f := line.ContextMap()
	assert.NotEmpty(t, f["dead_letter_id"])
	assert.Equal(t, transport.ReasonRejected, f["reason"])
	assert.Equal(t, "400", f["last_error"])
	assert.Contains(t, f["body"], "event_type", "the body is logged")
	assert.NotContains(t, f, "dead_letter_to", "there is no destination")
}
