package rabbit

import (
	"context"
	"errors"
	"fmt"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/internal/backoff"
	"github.com/harkmq/hark/transport"
)

// publisher owns the send connection, separate from every listener's
// connection (oslo keeps a send pool apart from listen connections too):
// a broker that blocks publishers (connection.blocked) then does not stall
// consumers and their acks. Sends share a few confirm-mode channels. Safe
// for concurrent use.
type publisher struct {
	cfg    *config
	dialer *dialer
	turns  *declareTurns
	log    *zap.Logger

	// dialing holds one token: whoever takes it may (re)connect; others
	// wait for it or for their context.
	dialing chan struct{}
	// closing is closed by close: it ends the background reconnect and
	// retry pauses; ctx is cancelled with it, for dials.
	closing chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conn   *amqp.Connection
	gen    uint64 // counts connections; channels and caches belong to one
	idle   []*amqp.Channel
	// declared holds what was declared on this connection: exchanges and
	// (exchange, routing key) default queues, as oslo caches them per
	// channel and clears them on reconnect.
	declared map[string]struct{}
	down     error // why there is no connection (nil while connected)
}

// maxIdleChannels bounds the confirm channels kept between sends.
const maxIdleChannels = 16

func newPublisher(cfg *config, d *dialer, turns *declareTurns) *publisher {
	p := &publisher{cfg: cfg, dialer: d, turns: turns, log: cfg.log.With(zap.String("connection", "send")),
		dialing: make(chan struct{}, 1), closing: make(chan struct{})}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.dialing <- struct{}{}
	return p
}

// errPublisherClosed is what sends get after close.
var errPublisherClosed = fmt.Errorf("rabbit: %w", transport.ErrClosed)

// connection returns the open send connection, dialing one if there is
// none.
func (p *publisher) connection(ctx context.Context) (*amqp.Connection, uint64, error) {
	if c, gen, err := p.current(); c != nil || err != nil {
		return c, gen, err
	}
	select {
	case <-p.dialing:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	case <-p.closing:
		return nil, 0, errPublisherClosed
	}
	defer func() { p.dialing <- struct{}{} }()
	if c, gen, err := p.current(); c != nil || err != nil {
		return c, gen, err // someone else connected meanwhile
	}
	conn, host, err := p.dialer.dial(ctx, "send")
	if err != nil {
		if ctx.Err() == nil { // the caller's deadline says nothing of the broker
			p.mu.Lock()
			p.down = err
			p.mu.Unlock()
		}
		return nil, 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = conn.Close()
		return nil, 0, errPublisherClosed
	}
	p.conn, p.down = conn, nil
	p.gen++
	p.idle, p.declared = nil, map[string]struct{}{}
	p.log.Info("connected to RabbitMQ", zap.Stringer("host", host))
	p.watch(conn, host)
	return conn, p.gen, nil
}

func (p *publisher) current() (*amqp.Connection, uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, 0, errPublisherClosed
	}
	if p.conn != nil && !p.conn.IsClosed() {
		return p.conn, p.gen, nil
	}
	return nil, 0, nil
}

// watch logs connection.blocked, and reconnects in the background when
// conn is lost, so that the transport's health reflects the broker and
// the next Send finds a connection.
func (p *publisher) watch(conn *amqp.Connection, host endpoint) {
	watchBlocked(conn, p.log, &p.wg)
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	p.wg.Go(func() {
		e := <-closed // nil when closed without an error
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return // closed by us
		}
		if e != nil {
			p.down = fmt.Errorf("rabbit: send connection to %s lost: %w", host, e)
		} else {
			p.down = fmt.Errorf("rabbit: send connection to %s closed", host)
		}
		err := p.down
		p.mu.Unlock()
		p.log.Warn("send connection lost; reconnecting", zap.Stringer("host", host), zap.Error(err))
		p.reconnect()
	})
}

// reconnect dials until it succeeds or the publisher closes.
func (p *publisher) reconnect() {
	for n := 1; ; n++ {
		if !backoff.Sleep(context.Background(), reconnectWait(p.cfg, n), p.closing) {
			return
		}
		if _, _, err := p.connection(p.ctx); err == nil || errors.Is(err, transport.ErrClosed) || p.ctx.Err() != nil {
			return
		}
	}
}

// channel returns a confirm-mode channel of connection gen.
func (p *publisher) channel(conn *amqp.Connection, gen uint64) (*amqp.Channel, error) {
	p.mu.Lock()
	for len(p.idle) > 0 && p.gen == gen {
		ch := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !ch.IsClosed() {
			p.mu.Unlock()
			return ch, nil
		}
	}
	p.mu.Unlock()
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("rabbit: open a channel: %w", err)
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, fmt.Errorf("rabbit: enable publisher confirms: %w", err)
	}
	return ch, nil
}

// release keeps ch for the next send, or closes it.
func (p *publisher) release(ch *amqp.Channel, gen uint64) {
	p.mu.Lock()
	keep := !p.closed && p.gen == gen && !ch.IsClosed() && len(p.idle) < maxIdleChannels
	if keep {
		p.idle = append(p.idle, ch)
	}
	p.mu.Unlock()
	if !keep {
		_ = ch.Close()
	}
}

// ensureDeclared declares exchange and oslo's default queue named key,
// bound to it, once per connection.
func (p *publisher) ensureDeclared(conn *amqp.Connection, gen uint64, exchange, key string) error {
	xk, qk := "x\x00"+exchange, "q\x00"+exchange+"\x00"+key
	p.mu.Lock()
	_, haveX := p.declared[xk]
	_, haveQ := p.declared[qk]
	p.mu.Unlock()
	if haveX && haveQ {
		return nil
	}
	d := newDeclarer(conn, p.cfg, p.turns)
	defer d.close()
	if !haveX {
		if err := d.exchange(exchange); err != nil {
			return err
		}
	}
	if !haveQ {
		// oslo's _publish_and_creates_default_queue: notifications sent
		// before any listener started wait in "<topic>.<priority>".
		if err := d.notificationQueue(key); err != nil {
			return err
		}
		if err := d.bind(key, binding{exchange: exchange, key: key}); err != nil {
			return err
		}
	}
	p.mu.Lock()
	if p.gen == gen {
		p.declared[xk] = struct{}{}
		p.declared[qk] = struct{}{}
	}
	p.mu.Unlock()
	return nil
}

// outgoing is one publish: where to, what, and what to declare first.
type outgoing struct {
	exchange, key string
	msg           amqp.Publishing
	// defaultQueue declares the exchange and oslo's default queue (named
	// key) first; without it nothing is declared (republishing to a known
	// queue through the default exchange).
	defaultQueue bool
	// prepare, if set, runs on the connection before publishing (it
	// declares a retry queue).
	prepare func(d *declarer) error
}

// publish publishes o and waits for the broker's confirm, retrying as the
// retry policy says. ctx bounds everything.
func (p *publisher) publish(ctx context.Context, o outgoing) error {
	for n := 0; ; n++ {
		err := p.publishOnce(ctx, o)
		if err == nil {
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("rabbit: publish to exchange %q with key %q: %w (last error: %w)", o.exchange, o.key, cerr, err)
		}
		if !transient(err) {
			// A refused permission or a mismatch: no caller should retry it.
			return transport.Permanent(fmt.Errorf("rabbit: publish to exchange %q with key %q (%d attempts): %w", o.exchange, o.key, n+1, err))
		}
		if !p.cfg.retry.allows(n + 1) {
			return fmt.Errorf("rabbit: publish to exchange %q with key %q (%d attempts): %w", o.exchange, o.key, n+1, err)
		}
		wait := p.cfg.retry.wait(n + 1)
		p.log.Warn("publish failed; retrying", zap.String("exchange", o.exchange), zap.String("routing_key", o.key),
			zap.Int("retry", n+1), zap.Duration("backoff", wait), zap.Error(err))
		if !backoff.Sleep(ctx, wait, p.closing) {
			if cerr := ctx.Err(); cerr != nil {
				return fmt.Errorf("rabbit: publish to exchange %q with key %q: %w (last error: %w)", o.exchange, o.key, cerr, err)
			}
			return errPublisherClosed
		}
	}
}

func (p *publisher) publishOnce(ctx context.Context, o outgoing) error {
	// One attempt is bounded apart from the whole: a confirm that never
	// comes (a broker that froze, a connection that died silently) ends
	// this attempt, not the caller's deadline. The caller retries with
	// the same message (_unique_id), which listeners drop if it arrives
	// twice.
	ctx, cancel := context.WithTimeout(ctx, transport.DefaultAttemptTimeout)
	defer cancel()
	conn, gen, err := p.connection(ctx)
	if err != nil {
		return err
	}
	if o.defaultQueue {
		if err := p.ensureDeclared(conn, gen, o.exchange, o.key); err != nil {
			return err
		}
	}
	if o.prepare != nil {
		d := newDeclarer(conn, p.cfg, p.turns)
		err := o.prepare(d)
		d.close()
		if err != nil {
			return err
		}
	}
	ch, err := p.channel(conn, gen)
	if err != nil {
		return err
	}
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, o.exchange, o.key, false, false, o.msg)
	if err != nil {
		p.release(ch, gen)
		return err
	}
	acked, err := dc.WaitContext(ctx)
	closed := ch.IsClosed() // amqp091-go reports a channel closing before the confirm as a nack
	p.release(ch, gen)
	switch {
	case err != nil:
		return err
	case acked:
		return nil
	case closed:
		return errors.New("the channel closed before the broker confirmed the message")
	}
	return errors.New("the broker did not confirm the message (basic.nack)")
}

// transient reports whether a failed publish may succeed if tried again:
// connection and channel losses, broker nacks and an attempt that timed
// out may; a refused permission, a missing entity or a mismatch will not.
func transient(err error) bool {
	var ae *amqp.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case amqp.AccessRefused, amqp.NotFound, amqp.PreconditionFailed, amqp.NotAllowed,
			amqp.SyntaxError, amqp.CommandInvalid, amqp.NotImplemented:
			return false
		}
		return true
	}
	// An attempt's own deadline running out (publishOnce) is transient:
	// publish checks the caller's context first.
	return !errors.Is(err, transport.ErrClosed) && !errors.Is(err, context.Canceled)
}

// health is nil while the send connection is up.
func (p *publisher) health() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.conn != nil && !p.conn.IsClosed():
		return nil
	case p.down != nil:
		return p.down
	}
	return errors.New("rabbit: the send connection is closed; reconnecting")
}

// close closes the connection and waits for the publisher's goroutines.
func (p *publisher) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.closing)
	p.cancel()
	conn := p.conn
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, ch := range idle {
		_ = ch.Close()
	}
	if conn != nil {
		_ = conn.Close()
	}
	p.wg.Wait()
}
