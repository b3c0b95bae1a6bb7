package nats

import (
	"bytes"
	"errors"

	natsgo "github.com/nats-io/nats.go"
)

// headerBytes mirrors nats.go's (unexported) Msg.headerBytes: "NATS/1.0",
// then "key: value" lines with the value trimmed and CR/LF replaced by
// spaces, which is what makes some values unsafe to send as they are.
func headerBytes(m *natsgo.Msg) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("NATS/1.0\r\n")
	for k, vs := range m.Header {
		if !validHeaderKey(k) {
			return nil, errors.New("bad header key")
		}
		for _, v := range vs {
			b.WriteString(k + ": ")
			v = trimSpaceASCII(v)
			for i := 0; i < len(v); i++ {
				if v[i] == '\r' || v[i] == '\n' {
					b.WriteByte(' ')
				} else {
					b.WriteByte(v[i])
				}
			}
			b.WriteString("\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

func trimSpaceASCII(s string) string {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
