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

// reencodeFor returns msg, whose body has the layout src, as the
// destination's oslo peers (dialect dest) read it: msg itself when its
// layout is dest's (and, for kafka, it is not compressed: oslo's kafka
// listener reads no compression header), or else the notification
// re-encoded in dest. Only a re-encode decodes the body again; the
// listener decoded it once already and knows src.
func reencodeFor(msg transport.Message, from transport.Source, src, dest transport.Dialect) (transport.Message, error) {
	compressed := false
	for k, v := range msg.Header {
		compressed = compressed || (v != "" && strings.EqualFold(k, oslo.HeaderCompression))
	}
	if src == dest && (dest != transport.DialectKafka || !compressed) {
		return msg, nil
	}
	m, err := oslo.DecodeNotification(msg)
	if err != nil {
		return transport.Message{}, fmt.Errorf("forward: %w", err)
	}
	switch dest {
	case transport.DialectKafka:
		out, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Dialect: transport.DialectKafka})
		if err != nil {
			return transport.Message{}, fmt.Errorf("forward: re-encode for kafka: %w", err)
		}
		return out, nil
	case transport.DialectAMQP:
		if m.UniqueID == "" {
			// The same on every attempt and redelivery, distinct per source
			// topic (one notification sent to two topics is two messages).
			u := uuid.NewSHA1(forwardUniqueIDSpace, []byte(m.MessageID+"\x00"+from.Target.Exchange+"\x00"+from.Target.Topic))
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
