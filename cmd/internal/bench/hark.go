package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
)

// harkSide is hark itself: a transport opened from the URL, and one
// notify.Listener (or BatchListener) per group with the run's executor,
// workers and prefetch, dispatching to an endpoint that counts. The
// listener does everything it does in production: decode, de-duplicate,
// dispatch by priority, settle, keep leases.
type harkSide struct {
	transportSide
	exec executor.Factory
}

func openHark(ctx context.Context, cfg *Config, n names, cleanup cleanupFunc) (*harkSide, error) {
	exec, err := executor.ByName(cfg.Executor, cfg.Workers)
	if err != nil {
		return nil, err
	}
	ts, err := openTransportSide(ctx, cfg, n, cfg.priorities(), cleanup)
	if err != nil {
		return nil, err
	}
	return &harkSide{transportSide: ts, exec: exec}, nil
}

// listener is what Listener and BatchListener have in common.
type listener interface {
	Start(ctx context.Context) error
	Stop()
	Wait(ctx context.Context) error
}

func (h *harkSide) consume(ctx context.Context, groups []string, t *tally) (func(context.Context) error, error) {
	var ls []listener
	stop := func(ctx context.Context) error {
		for _, l := range ls {
			l.Stop()
		}
		var errs []error
		for _, l := range ls {
			errs = append(errs, l.Wait(ctx))
		}
		return errors.Join(errs...)
	}
	tg := []target.Target{h.n.target()}
	for _, g := range groups {
		opts := []notify.ListenerOption{notify.WithPool(g), notify.WithExecutor(h.exec), notify.WithPrefetch(h.cfg.Prefetch),
			notify.WithStart(h.cfg.startPosition())}
		var (
			l   listener
			err error
		)
		if h.cfg.Batch > 0 {
			l, err = notify.NewBatchListener(h.tr, tg, []any{batchEndpoint(h.cfg, t)}, h.cfg.Batch, h.cfg.BatchTimeout, opts...)
		} else {
			l, err = notify.NewListener(h.tr, tg, []any{endpoint(h.cfg, t)}, opts...)
		}
		if err == nil {
			err = l.Start(ctx)
		}
		if err != nil {
			_ = stop(ctx)
			return nil, fmt.Errorf("bench: start the listener: %w", err)
		}
		ls = append(ls, l)
	}
	return stop, nil
}
