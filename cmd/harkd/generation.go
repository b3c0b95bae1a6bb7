package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/endpoints"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
)

// listener is what Listener and BatchListener have in common.
type listener interface {
	Start(ctx context.Context) error
	Stop()
	Wait(ctx context.Context) error
	backlogSource
}

// generation is one listener and the endpoints it dispatches to, built
// from one config. A reload replaces the generation: the old one is
// stopped and waited for (its in-flight notifications finish and are
// settled) before the new one starts, so no notification is handled by
// both or by neither.
type generation struct {
	cfg *config.Config
	set *endpoints.Set
	l   listener
	// backlog refreshes hark_backlog_messages while l runs; nil when
	// metrics.backlog_interval is 0.
	backlog *backlogPoller
}

// newGeneration builds, but does not start, the listener of cfg on the
// daemon's transport.
func (d *daemon) newGeneration(cfg *config.Config) (*generation, error) {
	lc := cfg.Listener
	batch := lc.Batch.Size > 0
	set, err := endpoints.Build(cfg.Endpoints, batch, endpoints.Deps{
		Logger:    d.log,
		Transport: d.tr,
		Redactor:  d.redactor,
	})
	if err != nil {
		return nil, err
	}
	opts, err := d.listenerOptions(lc)
	if err != nil {
		_ = set.Close()
		return nil, err
	}
	targets := make([]target.Target, len(lc.Targets))
	for i, t := range lc.Targets {
		targets[i] = t.Target()
	}
	var l listener
	if batch {
		l, err = notify.NewBatchListener(d.tr, targets, set.Endpoints(), lc.Batch.Size, lc.Batch.Timeout.D(), opts...)
	} else {
		l, err = notify.NewListener(d.tr, targets, set.Endpoints(), opts...)
	}
	if err != nil {
		_ = set.Close()
		if errors.Is(err, notify.ErrUnsupported) && lc.StartPosition().NeedsRetention() {
			return nil, fmt.Errorf("listener (listener.start is %q, which needs a transport that keeps history, such as NATS JetStream): %w", lc.Start, err)
		}
		return nil, fmt.Errorf("listener: %w", err)
	}
	g := &generation{cfg: cfg, set: set, l: l}
	if every := cfg.Metrics.BacklogInterval.D(); every > 0 {
		g.backlog = newBacklogPoller(l, d.metrics.NewBacklog(), d.log, every)
	}
	return g, nil
}

// listenerOptions maps the listener block to notify options, with the
// metrics observers.
func (d *daemon) listenerOptions(lc config.Listener) ([]notify.ListenerOption, error) {
	exec, err := executor.ByName(lc.Executor, lc.Workers)
	if err != nil {
		return nil, fmt.Errorf("listener.executor: %w", err)
	}
	backoff := make([]time.Duration, len(lc.Requeue.Backoff))
	for i, b := range lc.Requeue.Backoff {
		backoff[i] = b.D()
	}
	opts := []notify.ListenerOption{
		notify.WithLogger(d.log.Named("listener")),
		notify.WithPool(lc.Pool),
		notify.WithExecutor(exec),
		notify.WithRequeue(notify.RequeuePolicy{Allow: lc.Requeue.Allow, MaxDeliveries: lc.Requeue.MaxDeliveries, Backoff: backoff}),
		notify.WithDeadLetterTopic(lc.DeadLetter.Topic),
		notify.WithDedup(lc.Dedup.Size),
		notify.WithDedupWindow(lc.Dedup.Window.D()),
		notify.WithObserver(d.metrics.ObserveEvent),
		notify.WithDispatcherOptions(dispatcher.WithObserver(d.metrics.ObserveCall)),
	}
	if lc.Prefetch > 0 {
		opts = append(opts, notify.WithPrefetch(lc.Prefetch))
	}
	if lc.Start != "" {
		opts = append(opts, notify.WithStart(lc.StartPosition()))
	}
	if d.budget != nil {
		opts = append(opts, notify.WithDecompressionBudget(d.budget))
	}
	return opts, nil
}

// start subscribes and begins dispatching. The listener lives until stop,
// whatever happens to ctx (which bounds only the subscription call).
func (g *generation) start(ctx context.Context) error {
	// notify's Start ties intake to its context; intake must outlive the
	// startup context, so it gets one without cancellation.
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := g.l.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	if g.backlog != nil {
		g.backlog.start()
	}
	return nil
}

// stop ends intake and waits, within ctx, for in-flight notifications to
// finish and be settled. hark_backlog_messages keeps its last values.
func (g *generation) stop(ctx context.Context) error {
	if g.backlog != nil {
		g.backlog.halt()
	}
	g.l.Stop()
	return g.l.Wait(ctx)
}

// close closes the endpoints (files, forward transports) and removes the
// hark_backlog_messages series that no newer generation reports.
func (g *generation) close(log *zap.Logger) {
	if g.backlog != nil {
		g.backlog.clear()
	}
	if err := g.set.Close(); err != nil {
		log.Warn("closing endpoints", zap.Error(err))
	}
}
