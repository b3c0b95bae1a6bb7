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
	return measured(s, t, elapsed), nil
}

// preload sends Config.Messages notifications through s from
// Config.Publishers goroutines; the i-th has priority
// Config.priorityOf(i).
func (r *runner) preload(ctx context.Context, s side, label string) error {
	var next, sent atomic.Int64
	total := int64(r.cfg.Messages)
	r.prog.Track(label+" sending the backlog", int64(r.cfg.Messages), sent.Load)
	defer r.prog.End()
	p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(r.cfg.Publishers)
	for range r.cfg.Publishers {
		p.Go(func(ctx context.Context) error {
			for {
				i := next.Add(1) - 1
				if i >= total {
					return nil
				}
				prio := r.cfg.priorityOf(int(i))
				m, err := r.mm.make(time.Time{}, prio)
				if err != nil {
					return err
				}
				if err := s.send(ctx, prio, m); err != nil {
					return fmt.Errorf("send the backlog: %w", err)
				}
				sent.Add(1)
			}
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
	type encoded struct {
		subject string
		body    []byte
	}
	msgs := make([]encoded, r.cfg.Messages)
	for i := range msgs {
		p := r.cfg.priorityOf(i)
		m, err := r.mm.make(time.Time{}, p)
		if err != nil {
			return round{}, err
		}
		msgs[i] = encoded{subject: natsSubject(n, p), body: m.Body}
	}
	t := newTally(r.cfg.Messages*len(groups), false)
	per := int64(len(groups))
	elapsed, err := r.consume(ctx, s, groups, t, label+" consuming", func(quit <-chan struct{}) {
		for i, m := range msgs {
			for int64(i)*per-t.count() > alongsideWindow*per {
				select {
				case <-quit:
					return
				case <-time.After(50 * time.Microsecond):
				}
			}
			if err := gen.Publish(m.subject, m.body); err != nil {
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
	return measured(s, t, elapsed), nil
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
		due := make(chan int, r.cfg.Publishers)
		p := pool.New().WithMaxGoroutines(r.cfg.Publishers)
		for range r.cfg.Publishers {
			p.Go(func() {
				for i := range due {
					prio := r.cfg.priorityOf(i)
					m, err := r.mm.make(time.Now(), prio)
					if err == nil {
						err = s.send(ctx, prio, m)
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
			case due <- i:
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
