package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc/pool"

	harknats "github.com/harkmq/hark/transport/nats"
)

// drain sends the backlog, then consumes it.
func (r *runner) drain(ctx context.Context, s side, groups []string, label string) (round, error) {
	if err := r.preload(ctx, s, label); err != nil {
		return round{}, err
	}
	t := newTally(r.cfg.Messages*len(groups), false)
	elapsed, err := r.consume(ctx, s, groups, t, label+" consuming", nil)
	if err != nil {
		return round{}, err
	}
	return round{messages: int(t.want), elapsed: elapsed}, nil
}

// preload sends Config.Messages notifications through s from
// Config.Publishers goroutines.
func (r *runner) preload(ctx context.Context, s side, label string) error {
	var next, sent atomic.Int64
	total := int64(r.cfg.Messages)
	r.prog.track(label+" sending the backlog", r.cfg.Messages, sent.Load)
	defer r.prog.end()
	p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(r.cfg.Publishers)
	for range r.cfg.Publishers {
		p.Go(func(ctx context.Context) error {
			for next.Add(1) <= total {
				m, err := r.mm.make(time.Time{})
				if err != nil {
					return err
				}
				if err := s.send(ctx, m); err != nil {
					return fmt.Errorf("send the backlog: %w", err)
				}
				sent.Add(1)
			}
			return nil
		})
	}
	return p.Wait()
}

// alongsideWindow is how far the sender of a broker without a backlog
// may run ahead of the consumer: enough to keep it busy, little enough
// that neither client's buffers overflow.
const alongsideWindow = 8192

// alongside is drain for a broker that keeps no backlog (NATS core): a
// separate connection publishes the notifications, encoded beforehand,
// while the contender consumes, never more than alongsideWindow ahead.
func (r *runner) alongside(ctx context.Context, s side, n names, groups []string, label string) (round, error) {
	gen, err := harknats.Dial(ctx, r.u)
	if err != nil {
		return round{}, fmt.Errorf("bench: the sender: %w", err)
	}
	defer gen.Close()
	bodies := make([][]byte, r.cfg.Messages)
	for i := range bodies {
		m, err := r.mm.make(time.Time{})
		if err != nil {
			return round{}, err
		}
		bodies[i] = m.Body
	}
	t := newTally(r.cfg.Messages*len(groups), false)
	subj := natsSubject(n)
	per := int64(len(groups))
	elapsed, err := r.consume(ctx, s, groups, t, label+" consuming", func(quit <-chan struct{}) {
		for i, b := range bodies {
			for int64(i)*per-t.count() > alongsideWindow*per {
				select {
				case <-quit:
					return
				case <-time.After(50 * time.Microsecond):
				}
			}
			if err := gen.Publish(subj, b); err != nil {
				t.fail(fmt.Errorf("bench: the sender: %w", err))
				return
			}
		}
		if err := gen.Flush(); err != nil {
			t.fail(fmt.Errorf("bench: the sender: %w", err))
		}
	})
	if err != nil {
		return round{}, err
	}
	return round{messages: int(t.want), elapsed: elapsed}, nil
}

// steady sends Config.Rate notifications a second for Config.Duration
// while consuming them, and records each one's latency from the start of
// its send to its handler. A pacer releases the sends on schedule to
// Config.Publishers sender goroutines, so a slow send does not delay the
// schedule. (Latency is not counted from the scheduled moment: Go's
// timers wake up to a millisecond late when the process is idle, which
// would be the pacer's latency, not the broker's or hark's.)
func (r *runner) steady(ctx context.Context, s side, groups []string, label string) (round, error) {
	t := newTally(r.cfg.Messages, true)
	period := time.Second / time.Duration(r.cfg.Rate)
	elapsed, err := r.consume(ctx, s, groups, t, label+" steady", func(quit <-chan struct{}) {
		due := make(chan struct{}, r.cfg.Publishers)
		p := pool.New().WithMaxGoroutines(r.cfg.Publishers)
		for range r.cfg.Publishers {
			p.Go(func() {
				for range due {
					m, err := r.mm.make(time.Now())
					if err == nil {
						err = s.send(ctx, m)
					}
					if err != nil {
						t.fail(fmt.Errorf("send: %w", err))
					}
				}
			})
		}
		defer p.Wait()
		defer close(due)
		start := time.Now()
		for i := range r.cfg.Messages {
			at := start.Add(time.Duration(i) * period)
			if d := time.Until(at); d > 0 {
				select {
				case <-quit:
					return
				case <-time.After(d):
				}
			}
			select {
			case due <- struct{}{}:
			case <-quit:
				return
			}
		}
	})
	if err != nil {
		return round{}, err
	}
	return round{messages: int(t.want), elapsed: elapsed, latency: t.latency()}, nil
}
