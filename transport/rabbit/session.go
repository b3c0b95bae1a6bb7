package rabbit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"

	"github.com/harkmq/hark/internal/backoff"
)

// session is one connection of a listener: its channel, its consumers and
// the goroutines that forward deliveries. Deliveries carry their session;
// once it is dead they cannot be settled (the broker has them back), and a
// new session never sees their delivery tags.
type session struct {
	l    *listener
	conn *amqp.Connection
	ch   *amqp.Channel
	host endpoint
	tags []string
	// acks writes every settlement of ch's deliveries (acker.go).
	acks *acker

	// connClosed, chanClosed and cancelled report the session's end: the
	// connection or channel closing with an error, or the broker
	// cancelling a consumer (its queue was deleted).
	connClosed chan *amqp.Error
	chanClosed chan *amqp.Error
	cancelled  chan string

	dead atomic.Bool
	wg   sync.WaitGroup // forwarders, the blocked-connection logger, cancels

	// mu orders cancels before close: no goroutine joins wg once close
	// waits on it.
	mu      sync.Mutex
	closing bool
}

// closeTimeout bounds the connection.close handshake with a broker that
// may be gone.
const closeTimeout = 5 * time.Second

// connect dials, declares the listener's exchanges, queues and bindings,
// sets the prefetch and starts consuming.
func (l *listener) connect(ctx context.Context) (*session, error) {
	conn, host, err := l.tr.dialer.dial(ctx, "listen")
	if err != nil {
		return nil, err
	}
	s, err := l.open(conn, host)
	if err == nil {
		return s, nil
	}
	var ae *amqp.Error
	if errors.As(err, &ae) && ae.Code == amqp.NotImplemented && !l.noGlobalQos {
		// A quorum queue refuses a channel-wide prefetch, and says so by
		// closing the connection; try again with per-consumer prefetch.
		l.log.Info("a queue refused a channel-wide prefetch (a quorum queue?); using a prefetch per consumer", zap.Error(err))
		l.mu.Lock()
		l.noGlobalQos = true
		l.mu.Unlock()
		return l.connect(ctx)
	}
	return nil, err
}

// open sets a session up on conn; on failure conn is closed, and what the
// consumers that did start delivered is forgotten.
func (l *listener) open(conn *amqp.Connection, host endpoint) (s *session, err error) {
	defer func() {
		if err == nil {
			return
		}
		if s == nil {
			_ = conn.CloseDeadline(time.Now().Add(closeTimeout))
			return
		}
		s.close()
		l.tr.lostSession(s)
		s = nil
	}()
	if !l.cfg.Passive { // a passive listener's queues were looked up by start
		if err := l.declare(conn); err != nil {
			return nil, err
		}
	}

	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("rabbit: open the consumer channel: %w", err)
	}
	s = &session{
		l: l, conn: conn, ch: ch, host: host, acks: newAcker(ch, l.cfg.Prefetch),
		connClosed: conn.NotifyClose(make(chan *amqp.Error, 1)),
		chanClosed: ch.NotifyClose(make(chan *amqp.Error, 1)),
		cancelled:  ch.NotifyCancel(make(chan string, len(l.plans)+1)),
	}
	if err := s.qos(); err != nil {
		return s, err
	}
	var args amqp.Table
	if l.tr.cfg.cancelOnFailover {
		args = amqp.Table{"x-cancel-on-ha-failover": true}
	}
	for i, q := range l.plans {
		// oslo's consumer tags: "1", "2", ... per connection.
		tag := strconv.Itoa(i + 1)
		deliveries, err := ch.Consume(q.name, tag, false, false, false, false, args)
		if err != nil {
			return s, fmt.Errorf("rabbit: consume queue %q: %w", q.name, err)
		}
		s.tags = append(s.tags, tag)
		queue := q.name
		s.wg.Go(func() {
			for d := range deliveries {
				l.accept(s, queue, d)
			}
		})
	}
	watchBlocked(conn, l.log, &s.wg)
	l.log.Info("consuming", zap.Stringer("host", host), zap.Int("queues", len(l.plans)), zap.Int("prefetch", l.cfg.Prefetch))
	return s, nil
}

// qos sets the prefetch (oslo: basic.qos only on listen connections). With
// one queue the per-consumer limit is the listener's limit. With several,
// a channel-wide limit (global=true) bounds them together, so the broker
// never pushes more than Prefetch in all; quorum queues refuse that, and
// then each consumer gets Prefetch (the broker may push up to Prefetch per
// queue; Next still hands out at most Prefetch).
func (s *session) qos() error {
	n := s.l.cfg.Prefetch
	s.l.mu.Lock()
	global := len(s.l.plans) > 1 && !s.l.tr.cfg.quorum && !s.l.noGlobalQos
	s.l.mu.Unlock()
	if global {
		if err := s.ch.Qos(n, 0, true); err != nil {
			return fmt.Errorf("rabbit: set the channel prefetch to %d: %w", n, err)
		}
	}
	if err := s.ch.Qos(n, 0, false); err != nil {
		return fmt.Errorf("rabbit: set the prefetch to %d: %w", n, err)
	}
	return nil
}

// cancelConsumers stops the broker's deliveries (basic.cancel, waiting
// for cancel-ok, so that what was delivered before it still reaches
// accept and goes back to the broker). A broker that does not answer
// within wait is left to the heartbeat: the cancels finish, or fail, when
// the connection does.
func (s *session) cancelConsumers(wait time.Duration) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	done := make(chan struct{})
	s.wg.Go(func() {
		defer close(done)
		for _, tag := range s.tags {
			if err := s.ch.Cancel(tag, false); err != nil && !s.dead.Load() {
				s.l.log.Debug("cancel consumer", zap.String("tag", tag), zap.Error(err))
			}
		}
	})
	s.mu.Unlock()
	if !backoff.Await(done, wait) {
		s.l.log.Warn("the broker did not confirm the consumer cancels in time; intake stops anyway", zap.Duration("waited", wait))
	}
}

// spawn runs f in a goroutine the session waits for when it closes,
// unless it is closing already (then it reports false): f's broker calls
// end at the latest when the connection does.
func (s *session) spawn(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Go(f)
	return true
}

// failure waits until the session fails (its connection or channel
// closing with an error, or the broker cancelling a consumer, e.g. because
// its queue was deleted) and says why; it returns nil as soon as intake
// stops or the listener closes.
func (s *session) failure(stop, quit <-chan struct{}) error {
	select {
	case e, ok := <-s.connClosed:
		if !ok || e == nil {
			return errors.New("connection closed")
		}
		return fmt.Errorf("connection to %s lost: %w", s.host, e)
	case e, ok := <-s.chanClosed:
		if !ok || e == nil {
			return errors.New("channel closed")
		}
		return fmt.Errorf("channel closed by the broker: %w", e)
	case tag := <-s.cancelled:
		return fmt.Errorf("the broker cancelled consumer %s (was its queue deleted?)", tag)
	case <-stop:
		return nil
	case <-quit:
		return nil
	}
}

// lostOrQuit waits until the connection or channel goes, or quit.
func (s *session) lostOrQuit(quit <-chan struct{}) {
	select {
	case <-s.connClosed:
	case <-s.chanClosed:
	case <-quit:
	}
}

// close writes the acknowledgements still waiting and lets the frames
// being written finish (bounded by closeTimeout), marks the session dead
// and closes its connection (the broker requeues whatever is unsettled),
// then waits for its goroutines.
func (s *session) close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.acks.close(closeTimeout)
	s.dead.Store(true)
	_ = s.conn.CloseDeadline(time.Now().Add(closeTimeout))
	s.wg.Wait()
}

// declare declares the listener's exchanges, queues and bindings on conn.
func (l *listener) declare(conn *amqp.Connection) error {
	d := newDeclarer(conn, &l.tr.cfg, &l.tr.turns)
	defer d.close()
	for _, ex := range exchanges(l.plans) {
		if err := d.exchange(ex); err != nil {
			return err
		}
	}
	declare := d.notificationQueue
	if l.cfg.Transient {
		declare = d.transientQueue
	}
	for _, q := range l.plans {
		if err := declare(q.name); err != nil {
			return err
		}
		for _, b := range q.bindings {
			if err := d.bind(q.name, b); err != nil {
				return err
			}
		}
	}
	return nil
}
