package rabbit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harkmq/hark/transport"
)

// Headers hark adds to a message it republishes for a requeue (at once, or
// through a retry queue). They are stripped from Message.Header, so a
// requeued message looks exactly as first sent.
const (
	// headerDeliveries counts the deliveries made before this copy was
	// published, so the count survives the republish.
	headerDeliveries = "x-hark-deliveries"
	// headerExchange and headerRoutingKey keep where the message was first
	// routed: a copy arrives through the default exchange (republish) or
	// the retry queue's dead-letter exchange.
	headerExchange   = "x-hark-exchange"
	headerRoutingKey = "x-hark-routing-key"
	// headerQuorumCount is the count a quorum queue keeps of a message's
	// returns. Up to RabbitMQ 3.13 it counts every return (basic.reject
	// or basic.nack with requeue, a channel closed with the message
	// unacknowledged) and is set from the first delivery (0, measured on
	// 3.10.8). RabbitMQ 4 counts acquisitions in x-acquired-count instead
	// and keeps x-delivery-count for failed deliveries (from 4.3:
	// basic.reject with requeue, not basic.nack or a lost channel).
	headerQuorumCount = "x-delivery-count"
	headerAcquired    = "x-acquired-count"
)

// brokerHeader reports headers the broker or hark added in transit: they
// are not part of the message as sent, so Message.Header leaves them out
// and a republish does not carry stale copies.
func brokerHeader(k string) bool {
	return strings.HasPrefix(k, "x-hark-") || k == headerQuorumCount || k == headerAcquired || k == "x-death" ||
		strings.HasPrefix(k, "x-first-death-") || strings.HasPrefix(k, "x-last-death-")
}

// toTable turns message headers into AMQP application headers (long
// strings), nil when there are none.
func toTable(h transport.Header) amqp.Table {
	if len(h) == 0 {
		return nil
	}
	t := make(amqp.Table, len(h))
	for k, v := range h {
		t[k] = v
	}
	return t
}

// fromTable turns AMQP application headers into message headers, leaving
// out what brokerHeader names. Strings (and byte arrays) are kept as they
// are; other AMQP field types (numbers, booleans, timestamps, tables,
// arrays: OpenStack services send none on notifications) are written out
// as text, which is what a dead-letter record then keeps.
func fromTable(t amqp.Table) transport.Header {
	var h transport.Header
	for k, v := range t {
		if brokerHeader(k) {
			continue
		}
		if h == nil {
			h = make(transport.Header, len(t))
		}
		h[k] = headerText(v)
	}
	return h
}

func headerText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case amqp.Table, []any:
		if b, err := json.Marshal(x); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// intHeader reads an integer header of any AMQP integer type (py-amqp,
// RabbitMQ and amqp091-go each pick their own width) or a decimal string.
func intHeader(t amqp.Table, key string) (int, bool) {
	switch x := t[key].(type) {
	case int8:
		return int(x), true
	case int16:
		return int(x), true
	case int32:
		return int(x), true
	case int64:
		return int(x), true
	case int:
		return x, true
	case uint8:
		return int(x), true
	case uint16:
		return int(x), true
	case uint32:
		return int(x), true
	case uint64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// deliveryCount is how many times d's message has been delivered to this
// queue's group, including this delivery:
//
//   - the deliveries recorded when hark last republished it
//     (x-hark-deliveries; 0 for a message as first sent),
//   - plus its returns since: a quorum queue counts them
//     (x-acquired-count on RabbitMQ 4, x-delivery-count before); a
//     classic queue only flags a redelivery, which counts as one however
//     many returns there were,
//   - plus this delivery.
//
// So the count is exact for requeues (hark republishes them on classic
// queues); after crashes and reconnects it is exact on quorum queues and
// a lower bound on classic ones.
func deliveryCount(d *amqp.Delivery) int {
	prior, _ := intHeader(d.Headers, headerDeliveries)
	returns, quorum := intHeader(d.Headers, headerAcquired)
	if !quorum {
		returns, quorum = intHeader(d.Headers, headerQuorumCount)
	}
	if !quorum && d.Redelivered {
		returns = 1
	}
	return max(prior, 0) + max(returns, 0) + 1
}

// routedBy is the exchange and routing key d was first published with:
// from the headers of a republished copy, else from the delivery.
func routedBy(d *amqp.Delivery) (exchange, key string) {
	exchange, key = d.Exchange, d.RoutingKey
	if ex, ok := d.Headers[headerExchange].(string); ok {
		exchange = ex
		if k, ok := d.Headers[headerRoutingKey].(string); ok {
			key = k
		}
	}
	return exchange, key
}
