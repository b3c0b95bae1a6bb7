package record

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MarshalRecord returns r as compact JSON without a trailing newline and
// without HTML escaping.
func MarshalRecord(r Notification) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode notification %s: %w", r.Metadata.MessageID, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
