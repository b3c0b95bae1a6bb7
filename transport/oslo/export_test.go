package oslo

import (
	"bytes"
	"encoding/json"
)

// DecodeReferenceForTest runs the reference decoder, which the public
// DecodeNotification only reaches for input the fast path refuses.
func DecodeReferenceForTest(body []byte) (*OsloMessage, error) {
	return decodeReference("body", body)
}

// RawMember returns the raw JSON of obj's member key (nil when absent).
func RawMember(obj []byte, key string) (json.RawMessage, error) {
	top, _, err := decodeObject("object", obj)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(top[key]), nil
}
