// Package target names where notifications are sent and where listeners
// listen: an exchange and a topic, as in oslo.messaging's Target.
//
// Only Exchange and Topic take part in notification routing; Server, Fanout,
// Version and Namespace exist so that a Target copied from oslo code keeps its
// shape, and they are validated but otherwise ignored by notification
// listeners and notifiers (oslo ignores them too).
package target

import (
	"fmt"
	"strings"
)

// DefaultExchange is the exchange used when a Target leaves Exchange empty:
// oslo.messaging's default control_exchange.
const DefaultExchange = "openstack"

// MaxNameLength is the longest exchange, topic or pool name accepted, in
// bytes. AMQP 0-9-1 short strings (exchange and queue names, routing keys)
// hold at most 255 bytes.
const MaxNameLength = 255

// Target is an exchange and topic, oslo.messaging style.
type Target struct {
	// Exchange is the exchange (RabbitMQ) or the first subject token (NATS).
	// Empty means the transport's default, normally DefaultExchange.
	Exchange string
	// Topic is the notification topic, e.g. "notifications". Listeners and
	// notifiers need one. It may contain dots ("versioned.notifications").
	Topic string
	// Server is accepted for oslo compatibility and ignored by notifications.
	Server string
	// Fanout is accepted for oslo compatibility and ignored by notifications.
	Fanout bool
	// Version is accepted for oslo compatibility and ignored by notifications.
	Version string
	// Namespace is accepted for oslo compatibility and ignored by
	// notifications.
	Namespace string
}

// String returns "exchange/topic", with "<default>" for an empty exchange.
func (t Target) String() string {
	ex := t.Exchange
	if ex == "" {
		ex = "<default>"
	}
	return ex + "/" + t.Topic
}

// WithDefaultExchange returns t with Exchange set to exchange when it is
// empty.
func (t Target) WithDefaultExchange(exchange string) Target {
	if t.Exchange == "" {
		t.Exchange = exchange
	}
	return t
}

// Validate checks every name in t against what the brokers hark supports
// accept. An empty Topic is allowed here; use ValidateListen or ValidateSend
// where a topic is required. The error wraps ErrInvalidTarget and names the
// bad field and value.
func (t Target) Validate() error {
	if t.Exchange != "" {
		if err := CheckName("exchange", t.Exchange, false); err != nil {
			return err
		}
	}
	if t.Topic != "" {
		if err := CheckName("topic", t.Topic, true); err != nil {
			return err
		}
	}
	if t.Server != "" {
		if err := CheckName("server", t.Server, true); err != nil {
			return err
		}
	}
	return nil
}

// ValidateListen checks t for use by a notification listener: it must have a
// topic (oslo: "A target must have topic specified") and valid names.
func (t Target) ValidateListen() error {
	if t.Topic == "" {
		return fmt.Errorf("%w: a target must have topic specified (target %s)", ErrInvalidTarget, t)
	}
	return t.Validate()
}

// ValidateSend checks t for use by a notifier: it must have a topic and valid
// names.
func (t Target) ValidateSend() error {
	return t.ValidateListen()
}

// CheckName validates one name (exchange, topic, pool, ...) for use as an
// AMQP exchange, queue or routing-key part and as NATS subject tokens. field
// names the value in the error. dots allows '.' as a separator between
// non-empty tokens (topics may contain dots; exchanges and pools may not,
// because they become a single NATS subject token or durable name).
func CheckName(field, value string, dots bool) error {
	if value == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidTarget, field)
	}
	if len(value) > MaxNameLength {
		return fmt.Errorf("%w: %s %q is %d bytes long, at most %d are allowed", ErrInvalidTarget, field, value, len(value), MaxNameLength)
	}
	for i, r := range value {
		switch {
		case r == '.':
			if !dots {
				return fmt.Errorf("%w: %s %q contains '.', which is not allowed there", ErrInvalidTarget, field, value)
			}
		case r == '*' || r == '>' || r == '#':
			return fmt.Errorf("%w: %s %q contains the wildcard %q at byte %d", ErrInvalidTarget, field, value, r, i)
		case r == '/' || r == '\\':
			return fmt.Errorf("%w: %s %q contains the path separator %q at byte %d", ErrInvalidTarget, field, value, r, i)
		case r <= ' ' || r == 0x7f:
			return fmt.Errorf("%w: %s %q contains whitespace or a control character at byte %d", ErrInvalidTarget, field, value, i)
		}
	}
	if dots {
		if strings.HasPrefix(value, ".") || strings.HasSuffix(value, ".") || strings.Contains(value, "..") {
			return fmt.Errorf("%w: %s %q has an empty dot-separated token", ErrInvalidTarget, field, value)
		}
	}
	return nil
}
