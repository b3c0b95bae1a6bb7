package rabbit

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/harkmq/hark/internal/backoff"
)

// run watches the listener's session and replaces it when it fails: the
// broker restarted, the connection was closed (rabbitmqctl
// close_connection, a missed heartbeat, a network cut), or a consumer was
// cancelled (its queue was deleted). Each new session dials (failing over
// between hosts), re-declares exchanges, queues and bindings, sets the
// prefetch and consumes again, after kombu_reconnect_delay plus oslo's
// growing retry interval, for as long as intake lasts. Deliveries of a
// failed session are not settled on the new one: the broker has them back
// and redelivers them, and settling them reports ErrLeaseExpired.
func (l *listener) run(s *session) {
	defer close(l.done)
	for {
		why := s.failure(l.stopCh, l.closeCh)
		if why == nil {
			// Intake is over; keep the channel for settling until Close
			// or until it is lost anyway.
			s.lostOrQuit(l.closeCh)
			l.drop(s, nil)
			return
		}
		l.log.Warn("listener connection lost; reconnecting", zap.Stringer("host", s.host), zap.Error(why))
		l.drop(s, why)
		if s = l.reconnect(); s == nil {
			return
		}
	}
}

// drop retires s: it is marked dead, closed, and its deliveries forgotten
// by every listener that holds some.
func (l *listener) drop(s *session, why error) {
	l.mu.Lock()
	if l.sess == s {
		l.sess = nil
	}
	if why != nil {
		l.down = fmt.Errorf("rabbit: listener reconnecting: %w", why)
	}
	l.mu.Unlock()
	s.close()
	l.tr.lostSession(s)
}

// reconnect makes a new session, retrying until it works or intake ends
// (then it returns nil).
func (l *listener) reconnect() *session {
	for n := 1; ; n++ {
		if !backoff.Sleep(context.Background(), reconnectWait(&l.tr.cfg, n), l.stopCh) {
			return nil
		}
		s, err := l.connect(l.intake)
		if err != nil {
			if l.intake.Err() != nil {
				return nil
			}
			l.mu.Lock()
			l.down = fmt.Errorf("rabbit: listener reconnecting (attempt %d): %w", n, err)
			l.mu.Unlock()
			l.log.Warn("listener cannot reconnect yet", zap.Int("attempt", n), zap.Error(err))
			continue
		}
		l.mu.Lock()
		if l.stopped {
			l.mu.Unlock()
			s.close()
			l.tr.lostSession(s)
			return nil
		}
		l.sess, l.down = s, nil
		l.mu.Unlock()
		l.log.Info("listener reconnected", zap.Stringer("host", s.host), zap.Int("attempts", n))
		return s
	}
}
