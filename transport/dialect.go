package transport

import "strconv"

// Dialect is how a transport's oslo.messaging peers lay an oslo
// notification out on the wire. The notifier asks the transport for it
// (DialectOf) so that what hark sends is what oslo's driver for that broker
// would send; the decoder reads every dialect on every transport.
type Dialect int

const (
	// DialectAMQP is the layout of oslo's rabbit driver, used on RabbitMQ,
	// NATS and memory: the context flattened into "_context_<key>" keys
	// of the message, and a "_unique_id" per send.
	DialectAMQP Dialect = iota
	// DialectKafka is the layout of oslo's kafka driver: the context nested
	// as one "_context" object after the message's own keys, and no
	// "_unique_id".
	DialectKafka
)

// String names the dialect: "amqp" or "kafka".
func (d Dialect) String() string {
	if names := [...]string{DialectAMQP: "amqp", DialectKafka: "kafka"}; d >= 0 && int(d) < len(names) {
		return names[d]
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

// DialectOf returns the layout t's oslo peers use: what t's method
// Dialect() Dialect returns when it has one (the kafka transport does),
// DialectAMQP otherwise.
func DialectOf(t Transport) Dialect {
	if r, ok := t.(interface{ Dialect() Dialect }); ok {
		return r.Dialect()
	}
	return DialectAMQP
}
