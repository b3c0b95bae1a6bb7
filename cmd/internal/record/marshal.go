package record

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/harkmq/hark/transport/oslo"
)

// MarshalRecord returns r as compact JSON without a trailing newline and
// without HTML escaping. A payload or context holding NaN, Infinity or
// -Infinity (oslo notifiers send them: Python's json.dumps writes them)
// is written with those tokens, as json.dumps writes it, rather than
// refused: the notification is kept, and Python's json module reads the
// line back (strict RFC 8259 parsers do not).
func MarshalRecord(r Notification) ([]byte, error) {
	out, err := marshalStrict(r)
	if err == nil {
		return out, nil
	}
	payload, perr := oslo.EncodeJSON(r.Payload)
	ctxt, cerr := oslo.EncodeJSON(r.Context)
	if perr != nil || cerr != nil {
		return nil, fmt.Errorf("encode notification %s: %w", r.Metadata.MessageID, err)
	}
	// encoding/json writes the rest; the two values are spliced in where
	// placeholders stand. A bare quote cannot occur inside a JSON string,
	// so the first match is the placeholder.
	const placeholder = `,"payload":0,"context":null,`
	r.Payload, r.Context = json.RawMessage("0"), nil
	rest, err := marshalStrict(r)
	if err != nil {
		return nil, fmt.Errorf("encode notification %s: %w", r.Metadata.MessageID, err)
	}
	i := bytes.Index(rest, []byte(placeholder))
	if i < 0 {
		return nil, fmt.Errorf("encode notification %s: record layout changed", r.Metadata.MessageID)
	}
	line := make([]byte, 0, len(rest)+len(payload)+len(ctxt))
	line = append(line, rest[:i]...)
	line = append(line, `,"payload":`...)
	line = append(line, payload...)
	line = append(line, `,"context":`...)
	line = append(line, ctxt...)
	line = append(line, ',')
	return append(line, rest[i+len(placeholder):]...), nil
}

// marshalStrict writes r with encoding/json.
func marshalStrict(r Notification) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
