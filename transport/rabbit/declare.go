package rabbit

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// declarer declares exchanges, queues and bindings on a channel of its
// own, so that the channel error a failed declare causes (RabbitMQ closes
// the channel on 406 PRECONDITION_FAILED) never takes down a consuming
// or publishing channel. Not safe for concurrent use.
type declarer struct {
	conn *amqp.Connection
	cfg  *config
	log  *zap.Logger
	ch   *amqp.Channel
	// turns is the transport's: its declarations of one queue take turns
	// (declare_turns.go).
	turns *declareTurns
}

func newDeclarer(conn *amqp.Connection, cfg *config, turns *declareTurns) *declarer {
	return &declarer{conn: conn, cfg: cfg, log: cfg.log, turns: turns}
}

// channel returns an open channel, opening a new one after an error closed
// the last.
func (d *declarer) channel() (*amqp.Channel, error) {
	if d.ch != nil && !d.ch.IsClosed() {
		return d.ch, nil
	}
	ch, err := d.conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("rabbit: open a channel: %w", err)
	}
	d.ch = ch
	return ch, nil
}

// close releases the channel.
func (d *declarer) close() {
	if d.ch != nil {
		_ = d.ch.Close()
		d.ch = nil
	}
}

// isPreconditionFailed reports a 406: the entity exists with other
// properties (durable, auto_delete, arguments).
func isPreconditionFailed(err error) bool {
	var ae *amqp.Error
	return errors.As(err, &ae) && ae.Code == amqp.PreconditionFailed
}

// exchange declares a topic exchange as oslo does: durable and auto-delete
// per the options. When the broker has the exchange with other properties
// (an OpenStack service declared it with other options), it is used as it
// is: a passive declare checks that it exists. oslo falls back to a
// non-durable declare for the durable mismatch only; the passive declare
// covers every mismatch without ever changing the existing exchange.
func (d *declarer) exchange(name string) error {
	ch, err := d.channel()
	if err != nil {
		return err
	}
	err = ch.ExchangeDeclare(name, exchangeKind, d.cfg.durable(), d.cfg.autoDelete, false, false, nil)
	if err == nil {
		d.recorded("exchange", name)
		return nil
	}
	if !isPreconditionFailed(err) {
		return fmt.Errorf("rabbit: declare exchange %q: %w", name, err)
	}
	d.log.Warn("the exchange exists with other properties; using it as it is",
		zap.String("exchange", name), zap.Bool("durable", d.cfg.durable()), zap.Bool("auto_delete", d.cfg.autoDelete), zap.Error(err))
	if ch, err = d.channel(); err != nil {
		return err
	}
	if err := ch.ExchangeDeclarePassive(name, exchangeKind, false, false, false, false, nil); err != nil {
		return fmt.Errorf("rabbit: declare exchange %q (passively, after %q): %w", name, "PRECONDITION_FAILED", err)
	}
	return nil
}

// queue declares a queue with oslo's properties for notification queues
// (durable and auto-delete per the options, queueArgs), or with args when
// they are given (retry queues). A queue that exists with other properties
// is used as it is, as for exchanges. It waits for a declaration of the
// same queue under way in the transport (see declareTurns).
func (d *declarer) queue(name string, args amqp.Table, durable, autoDelete bool) error {
	defer d.turns.take(name)()
	ch, err := d.channel()
	if err != nil {
		return err
	}
	_, err = ch.QueueDeclare(name, durable, autoDelete, false, false, args)
	if err == nil {
		d.recorded("queue", name)
		return nil
	}
	if !isPreconditionFailed(err) {
		return fmt.Errorf("rabbit: declare queue %q: %w", name, err)
	}
	d.log.Warn("the queue exists with other properties; using it as it is",
		zap.String("queue", name), zap.Bool("durable", durable), zap.Bool("auto_delete", autoDelete),
		zap.Any("arguments", args), zap.Error(err))
	if ch, err = d.channel(); err != nil {
		return err
	}
	if _, err := ch.QueueDeclarePassive(name, false, false, false, false, nil); err != nil {
		return fmt.Errorf("rabbit: declare queue %q (passively, after %q): %w", name, "PRECONDITION_FAILED", err)
	}
	return nil
}

// notificationQueue declares a listener or default queue: oslo's
// properties.
func (d *declarer) notificationQueue(name string) error {
	return d.queue(name, queueArgs(d.cfg), d.cfg.durable(), d.cfg.autoDelete)
}

// transientQueue declares the queue of a transient pool
// (transport.ListenConfig.Transient): auto-delete, so the broker removes
// it once its last consumer is gone, cancelled or lost with its
// connection (a killed process included), and with x-expires (see
// WithTransientQueueExpiry) for a queue that never got a consumer, whose
// auto-delete never fires. It is a classic queue even with quorum queues
// (a quorum queue cannot be auto-delete), durable as the transport's
// queues are.
func (d *declarer) transientQueue(name string) error {
	return d.queue(name, transientQueueArgs(d.cfg), d.cfg.durable(), true)
}

// bind binds queue to exchange with key.
func (d *declarer) bind(queue string, b binding) error {
	ch, err := d.channel()
	if err != nil {
		return err
	}
	if err := ch.QueueBind(queue, b.key, b.exchange, false, nil); err != nil {
		return fmt.Errorf("rabbit: bind queue %q to exchange %q with key %q: %w", queue, b.exchange, b.key, err)
	}
	return nil
}

func (d *declarer) recorded(kind, name string) {
	if d.cfg.record != nil {
		d.cfg.record(kind, name)
	}
}

// existing returns the plans whose queue exists, for a passive listener
// (transport.ListenConfig.Passive), declaring nothing: every exchange and
// queue is looked up with a passive declare, on a channel of its own (a
// 404 closes the channel). An exchange that does not exist is an error
// wrapping transport.ErrExchangeNotFound; no queue at all, one wrapping
// transport.ErrNotFound.
func existing(conn *amqp.Connection, plans []queuePlan) ([]queuePlan, error) {
	lookup := func(what, name string, f func(*amqp.Channel) error) (bool, error) {
		ch, err := conn.Channel()
		if err != nil {
			return false, fmt.Errorf("rabbit: open a channel: %w", err)
		}
		err = f(ch)
		if isNotFound(err) {
			return false, nil // the broker closed the channel
		}
		_ = ch.Close()
		if err != nil {
			return false, fmt.Errorf("rabbit: look up %s %q: %w", what, name, err)
		}
		return true, nil
	}
	for _, ex := range exchanges(plans) {
		ok, err := lookup("exchange", ex, func(ch *amqp.Channel) error {
			return ch.ExchangeDeclarePassive(ex, exchangeKind, false, false, false, false, nil)
		})
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("rabbit: %w: exchange %q does not exist", transport.ErrExchangeNotFound, ex)
		}
	}
	var out []queuePlan
	for _, q := range plans {
		ok, err := lookup("queue", q.name, func(ch *amqp.Channel) error {
			_, err := ch.QueueDeclarePassive(q.name, false, false, false, false, nil)
			return err
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		names := make([]string, len(plans))
		for i, q := range plans {
			names[i] = q.name
		}
		return nil, fmt.Errorf("rabbit: %w: none of the queues %s exists", transport.ErrNotFound, strings.Join(slices.Compact(names), ", "))
	}
	return out, nil
}
