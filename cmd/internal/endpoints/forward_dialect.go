package endpoints

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// forwardUniqueIDSpace is the UUID namespace of the _unique_id a forward
// gives a kafka notification it re-encodes for an AMQP-dialect broker.
var forwardUniqueIDSpace = uuid.MustParse("5b0e3f7c-1a9d-4c2e-8f61-7d3a2b9c4e10")

// reencodeFor returns msg as the destination's oslo peers (dialect dest)
// read it: msg itself when its layout is dest's, or else the notification
// re-encoded in dest. It decodes msg, which the listener has already
// decoded once; the body as it is, and its ID, are what is kept whenever
// the layouts allow.
func reencodeFor(msg transport.Message, src transport.Source, dest transport.Dialect) (transport.Message, error) {
	m, err := oslo.DecodeNotification(msg)
	if err != nil {
		return transport.Message{}, fmt.Errorf("forward: %w", err)
	}
	compressed := false
	for k, v := range msg.Header {
		compressed = compressed || (v != "" && strings.EqualFold(k, oslo.HeaderCompression))
	}
	switch dest {
	case transport.DialectKafka:
		if m.Dialect == transport.DialectKafka && !compressed {
			return msg, nil
		}
		out, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Dialect: transport.DialectKafka})
		if err != nil {
			return transport.Message{}, fmt.Errorf("forward: re-encode for kafka: %w", err)
		}
		return out, nil
	case transport.DialectAMQP:
		if m.Dialect == transport.DialectAMQP {
			return msg, nil
		}
		if m.UniqueID == "" {
			// The same on every attempt and redelivery, distinct per source
			// topic (one notification sent to two topics is two messages).
			u := uuid.NewSHA1(forwardUniqueIDSpace, []byte(m.MessageID+"\x00"+src.Target.Exchange+"\x00"+src.Target.Topic))
			m.UniqueID = hex.EncodeToString(u[:])
		}
		out, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Version: m.Version})
		if err != nil {
			return transport.Message{}, fmt.Errorf("forward: re-encode for %s: %w", dest, err)
		}
		return out, nil
	}
	return msg, nil
}
