package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/harkmq/hark/cmd/internal/record"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// jsonLines writes one compact JSON object per line, each with a single
// Write so a reader at the other end of a pipe never sees half a line.
type jsonLines struct {
	w   io.Writer
	enc *json.Encoder
}

func newJSONLines(w io.Writer) *jsonLines {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // payloads are data, not HTML: keep "<" as is
	return &jsonLines{w: w, enc: enc}
}

func (j *jsonLines) write(v any) error {
	if err := j.enc.Encode(v); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// writeRecord writes a notification record as record.MarshalRecord does,
// which keeps payloads with Python's NaN and Infinity (encoding/json
// refuses them).
func (j *jsonLines) writeRecord(r record.Notification) error {
	line, err := record.MarshalRecord(r)
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if _, err := j.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// deadLetterRecord is a dead-letter record as one JSON line (dlq list
// --json, dlq replay --json).
type deadLetterRecord struct {
	// Action is what dlq replay did with the record: "replayed",
	// "would_replay" (--dry-run) or "failed". Empty for dlq list.
	Action    string `json:"action,omitempty"`
	MessageID string `json:"message_id"`
	// DeadLetterID is the record's id, which harkd's log line about the
	// dead letter names too (dead_letter_id).
	DeadLetterID   string               `json:"dead_letter_id,omitempty"`
	EventType      string               `json:"event_type"`
	PublisherID    string               `json:"publisher_id"`
	Reason         string               `json:"reason"`
	LastError      string               `json:"last_error,omitempty"`
	Endpoint       string               `json:"endpoint,omitempty"`
	Deliveries     int                  `json:"deliveries"`
	DeadLetteredAt string               `json:"dead_lettered_at,omitempty"`
	Source         sourceRecord         `json:"source"`
	Notification   *record.Notification `json:"notification,omitempty"`
	DecodeError    string               `json:"decode_error,omitempty"`
	Original       originalRecord       `json:"original"`
	// Error says why the message is not a valid dead-letter record.
	Error string `json:"error,omitempty"`
}

// sourceRecord is where a dead letter came from, and where replay sends it.
type sourceRecord struct {
	Exchange string `json:"exchange"`
	Topic    string `json:"topic"`
	Priority string `json:"priority"`
	Pool     string `json:"pool"`
}

// originalRecord is the dead-lettered message as first received. Body is
// set when the body is valid UTF-8 (an oslo JSON body), BodyBase64 when it
// is not (a compressed body).
type originalRecord struct {
	ID         string            `json:"id,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       *string           `json:"body,omitempty"`
	BodyBase64 []byte            `json:"body_base64,omitempty"`
}

func newDeadLetterRecord(e *dlqEntry) deadLetterRecord {
	msg := e.d.Message()
	r := deadLetterRecord{Original: originalRecord{ID: msg.ID, Headers: msg.Header}}
	body := msg.Body
	if e.parseErr != nil {
		r.Error = e.parseErr.Error()
	} else {
		dl := e.rec
		r.Original = originalRecord{ID: dl.Original.ID, Headers: dl.Original.Header}
		body = dl.Original.Body
		r.Reason, r.LastError, r.Endpoint, r.DeadLetterID = dl.Info.Reason, dl.Info.LastError, dl.Info.Endpoint, dl.Info.ID
		r.Deliveries = dl.Deliveries
		if !dl.Time.IsZero() {
			r.DeadLetteredAt = dl.Time.UTC().Format(time.RFC3339Nano)
		}
		r.Source = sourceRecord{
			Exchange: dl.Source.Target.Exchange,
			Topic:    dl.Source.Target.Topic,
			Priority: string(dl.Source.Priority),
			Pool:     dl.Source.Pool,
		}
	}
	if utf8.Valid(body) {
		s := string(body)
		r.Original.Body = &s
	} else {
		r.Original.BodyBase64 = body
	}
	r.MessageID = r.Original.ID
	if e.n != nil {
		nr := record.FromNotification(e.n)
		r.Notification = &nr
		r.MessageID, r.EventType, r.PublisherID = e.n.Metadata.MessageID, e.n.EventType, e.n.PublisherID
	} else if e.decodeErr != nil {
		r.DecodeError = e.decodeErr.Error()
	}
	return r
}

// deadLetterTable writes dead-letter records as an aligned table for
// people; --json gives every field. The header is written with the first
// row, so an empty queue prints nothing.
type deadLetterTable struct {
	tw     *tabwriter.Writer
	action bool // a first column says what replay did
	rows   int
}

func newDeadLetterTable(w io.Writer, action bool) *deadLetterTable {
	return &deadLetterTable{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0), action: action}
}

// maxTableError is how much of a last error a table row shows.
const maxTableError = 60

func (t *deadLetterTable) write(r deadLetterRecord) {
	if t.rows == 0 {
		cols := []string{"DEAD-LETTERED", "REASON", "DELIVERIES", "SOURCE", "PRIORITY", "POOL", "EVENT TYPE", "MESSAGE ID", "LAST ERROR"}
		if t.action {
			cols = append([]string{"ACTION"}, cols...)
		}
		fmt.Fprintln(t.tw, strings.Join(cols, "\t"))
	}
	t.rows++
	when, reason := "-", r.Reason
	if ts, err := time.Parse(time.RFC3339Nano, r.DeadLetteredAt); err == nil {
		when = ts.Format(time.DateTime)
	}
	if r.Error != "" {
		reason = "(not a dead-letter record)"
	}
	source := "-"
	if r.Source.Topic != "" {
		source = r.Source.Exchange + "/" + r.Source.Topic
	}
	lastErr := r.LastError
	if lastErr == "" {
		lastErr = r.Error
	}
	cols := []string{
		when, dash(reason), fmt.Sprint(r.Deliveries), source, dash(r.Source.Priority), dash(r.Source.Pool),
		dash(r.EventType), dash(r.MessageID), dash(oneLine(lastErr, maxTableError)),
	}
	if t.action {
		cols = append([]string{r.Action}, cols...)
	}
	fmt.Fprintln(t.tw, strings.Join(cols, "\t"))
}

func (t *deadLetterTable) flush() error {
	if err := t.tw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine makes s fit a table cell: whitespace runs (newlines, tabs, which
// would break the columns) become one space, and it is cut to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// targetString shows a target as "exchange/topic", with tr's default
// exchange filled in.
func targetString(tr transport.Transport, t target.Target) string {
	return t.WithDefaultExchange(tr.DefaultExchange()).String()
}
