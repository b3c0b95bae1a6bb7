package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/harkmq/hark/cmd/internal/transports"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// transportSide is what the sides built on a hark transport share (hark's
// listener and the memory baseline): the transport opened from the URL,
// subscribing the groups, sending, and removing what was declared.
type transportSide struct {
	cfg *Config
	n   names
	tr  transport.Transport
	// prios are the priorities the side's listeners subscribe to.
	prios []transport.Priority
	// cleanup removes what the side declared on the broker; nil for
	// nothing to remove.
	cleanup cleanupFunc
	// cleanupAfterClose runs cleanup once the transport is closed: on
	// Kafka a group can be deleted only when its members have left, and
	// cleanup has a client of its own there.
	cleanupAfterClose bool
}

// openTransportSide opens the transport of a side whose listeners
// subscribe to prios.
func openTransportSide(ctx context.Context, cfg *Config, n names, prios []transport.Priority, cleanup cleanupFunc) (transportSide, error) {
	tr, err := transports.Open(ctx, cfg.URL, cfg.Log)
	if err != nil {
		return transportSide{}, fmt.Errorf("bench: %w", err)
	}
	ts := transportSide{cfg: cfg, n: n, tr: tr, prios: prios, cleanup: cleanup}
	if u, err := transport.ParseURL(cfg.URL); err == nil {
		k, _ := kindOf(u)
		ts.cleanupAfterClose = k == KindKafka
	}
	return ts, nil
}

func (s *transportSide) listenConfig(group string) transport.ListenConfig {
	return transport.ListenConfig{
		Targets: []target.Target{s.n.target()}, Priorities: s.prios,
		Pool: group, Prefetch: s.cfg.Prefetch, Start: s.cfg.startPosition(),
	}
}

// prepare subscribes each group once and lets go: the broker keeps the
// group's queue or consumer, as it would for a listener that restarts.
func (s *transportSide) prepare(ctx context.Context, groups []string) error {
	for _, g := range groups {
		l, err := s.tr.Listen(ctx, s.listenConfig(g))
		if err != nil {
			return fmt.Errorf("bench: subscribe: %w", err)
		}
		if err := l.Close(); err != nil {
			return fmt.Errorf("bench: subscribe: %w", err)
		}
	}
	return nil
}

func (s *transportSide) send(ctx context.Context, p transport.Priority, msg transport.Message) error {
	return s.tr.Send(ctx, s.n.target(), p, msg)
}

func (s *transportSide) close(ctx context.Context) error {
	var err, cerr error
	if s.cleanupAfterClose {
		cerr = s.tr.Close()
	}
	if s.cleanup != nil {
		err = s.cleanup(ctx, s.n, s.tr)
	}
	if !s.cleanupAfterClose {
		cerr = s.tr.Close()
	}
	return errors.Join(err, cerr)
}
