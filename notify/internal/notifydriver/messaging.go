package notifydriver

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// Messaging is oslo's "messaging" (version 1) and "messagingv2"
// (version 2) driver: it sends the notification to every topic, one
// message each, in the layout oslo's driver for the transport's broker
// writes (transport.DialectOf): on the AMQP dialect (RabbitMQ, NATS,
// memory) with a fresh _unique_id per topic; on Kafka with the context
// nested and no _unique_id, always enveloped, as oslo's kafka driver does,
// the message_id being the id (Message.ID) of every topic's copy. Unlike
// oslo's it may set the exchange (WithExchange) and it returns what failed
// instead of only logging it.
type Messaging struct {
	name        string
	version     int
	tr          transport.Transport
	targets     []target.Target
	compression string
	dialect     transport.Dialect
	policy      transport.RetryPolicy
	log         *zap.Logger
}

// MessagingConfig is what the messaging drivers take from the notifier's
// options.
type MessagingConfig struct {
	// Topics are the topics every notification is sent to.
	Topics []string
	// Exchange is the exchange; "" is the transport's default exchange.
	Exchange string
	// Compression is the kombu compression name; "" is none.
	Compression string
	// Policy bounds each attempt and spaces the retries.
	Policy transport.RetryPolicy
	// Logger receives send failures and retries.
	Logger *zap.Logger
}

// NewMessaging returns the driver called name sending oslo's message
// version (1: messaging, 2: messagingv2) through tr, which must not be
// nil. A topic that is no valid target is an error wrapping
// target.ErrInvalidTarget; compression on a Kafka transport (whose oslo
// listeners read no compression header) is one wrapping
// transport.ErrInvalidConfig.
func NewMessaging(name string, version int, tr transport.Transport, o MessagingConfig) (*Messaging, error) {
	dialect := transport.DialectOf(tr)
	if dialect == transport.DialectKafka && o.Compression != "" {
		return nil, fmt.Errorf("%w: compression %q: oslo's kafka listeners read no compression header; the kafka transport compresses records itself (compression_codec in the URL)", transport.ErrInvalidConfig, o.Compression)
	}
	exchange := o.Exchange
	if exchange == "" {
		exchange = tr.DefaultExchange()
	}
	if exchange == "" {
		exchange = target.DefaultExchange
	}
	d := &Messaging{
		name:        name,
		version:     version,
		tr:          tr,
		compression: o.Compression,
		dialect:     dialect,
		policy:      o.Policy,
		log:         o.Logger,
	}
	for _, topic := range o.Topics {
		t := target.Target{Exchange: exchange, Topic: topic}
		if err := t.ValidateSend(); err != nil {
			return nil, err
		}
		d.targets = append(d.targets, t)
	}
	return d, nil
}

// Notify sends to every topic in turn, even after one failed, so one bad
// topic does not starve the others; the error joins the failures on one
// line, each naming its topic.
func (d *Messaging) Notify(ctx context.Context, m *oslo.OsloMessage, p transport.Priority, retry int) error {
	var errs []error
	for _, t := range d.targets {
		if err := d.send(ctx, t, m, p, retry); err != nil {
			errs = append(errs, fmt.Errorf("topic %q (exchange %q): %w", t.Topic, t.Exchange, err))
		}
	}
	return transport.JoinErrors(errs...)
}

func (d *Messaging) send(ctx context.Context, t target.Target, m *oslo.OsloMessage, p transport.Priority, retry int) error {
	msg := *m
	// One _unique_id per send, kept across retries: if an attempt reached
	// the broker but its confirm was lost, the listener drops the repeat.
	// oslo's kafka layout has none: there the message_id is the id, the
	// same in every retry (and in every topic's copy, each in its own
	// Kafka topic).
	msg.UniqueID = ""
	if d.dialect == transport.DialectAMQP {
		msg.UniqueID = oslo.NewUniqueID()
	}
	msg.Version = d.version
	body, err := oslo.EncodeNotification(&msg, oslo.EncodeOptions{Version: d.version, Compression: d.compression, Dialect: d.dialect})
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return sendWithRetry(ctx, d.tr, t, p, body, retry, d.policy, d.log.With(
		zap.String("driver", d.name),
		zap.Stringer("target", t),
		zap.String("event_type", m.EventType),
		zap.String("message_id", m.MessageID)))
}
