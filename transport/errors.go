package transport

import "errors"

// Sentinel errors. Driver errors wrap these so callers can branch with
// errors.Is.
var (
	// ErrClosed: the listener or transport is stopped or closed.
	ErrClosed = errors.New("hark: transport closed")
	// ErrAlreadySettled: a delivery was settled a second time (kombu's
	// MessageStateError). The second settle had no effect.
	ErrAlreadySettled = errors.New("hark: delivery already settled")
	// ErrLeaseExpired: a settle or extend came after the delivery's lease
	// ran out; the broker has redelivered or will redeliver the message.
	ErrLeaseExpired = errors.New("hark: delivery lease expired")
	// ErrNotSupported: the transport lacks the capability asked for.
	ErrNotSupported = errors.New("hark: not supported by this transport")
	// ErrInvalidURL: a TransportURL could not be parsed or names an
	// unknown scheme or option.
	ErrInvalidURL = errors.New("hark: invalid transport URL")
	// ErrUnknownScheme: no driver is registered for the URL's scheme.
	ErrUnknownScheme = errors.New("hark: unknown transport scheme")
	// ErrDecode: a message body could not be decoded as an oslo
	// notification (such messages are dead-lettered, never requeued).
	// ErrEncode: a notification cannot be written (invalid payload JSON,
	// a context value that is not JSON, an unknown version or
	// compression). transport/oslo's decoder and encoder wrap them.
	ErrDecode = errors.New("hark: cannot decode notification")
	ErrEncode = errors.New("hark: cannot encode notification")
	// ErrInvalidConfig: a ListenConfig or option value is invalid.
	ErrInvalidConfig = errors.New("hark: invalid configuration")
	// ErrCredentialsRefused: the broker refused the credentials (RabbitMQ
	// 403 ACCESS_REFUSED, a NATS authorization violation). Retrying with
	// the same ones fails until they are fixed on one side or the other.
	ErrCredentialsRefused = errors.New("hark: credentials refused")
	// ErrNotFound: a passive listener (ListenConfig.Passive) found nothing
	// of its group to read on the broker: no queue, no consumer and no
	// stored message.
	ErrNotFound = errors.New("hark: nothing to read on the broker")
	// ErrExchangeNotFound: a passive listener's exchange does not exist
	// on the broker (RabbitMQ: the exchange; JetStream: its stream).
	ErrExchangeNotFound = errors.New("hark: no such exchange on the broker")
)
