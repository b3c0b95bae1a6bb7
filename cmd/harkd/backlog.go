package main

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/cmd/internal/metrics"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

// maxBacklogWait bounds one refresh of hark_backlog_messages, whatever
// the interval.
const maxBacklogWait = 10 * time.Second

// backlogSource is what counts the backlog: the running listener
// (notify.Listener or notify.BatchListener).
type backlogSource interface {
	Backlog(ctx context.Context) ([]transport.Backlog, error)
}

// backlogPoller refreshes one generation's hark_backlog_messages series
// every interval by asking its listener, from a goroutine of its own
// that runs between start and halt; nothing happens per notification. A
// failed refresh keeps the last values and is logged once per streak of
// failures; a transport that cannot count is logged once and no longer
// asked. start and halt may alternate (a reload that puts the old
// listener back restarts it); they are not safe for concurrent use.
type backlogPoller struct {
	src    backlogSource
	series *metrics.Backlog
	log    *zap.Logger
	every  time.Duration

	cancel context.CancelFunc
	done   chan struct{}

	// The failure state belongs to the refreshing goroutine; it outlives
	// a halt (the next goroutine starts after the last one ended).
	failing     bool
	unsupported bool
}

func newBacklogPoller(src backlogSource, series *metrics.Backlog, log *zap.Logger, every time.Duration) *backlogPoller {
	return &backlogPoller{src: src, series: series, log: log, every: every}
}

// start refreshes at once, then every interval, until halt.
func (p *backlogPoller) start() {
	if p.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.every)
		defer t.Stop()
		for p.refresh(ctx) {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// halt stops refreshing and waits for a refresh in progress (bounded by
// maxBacklogWait); the series keep their last values.
func (p *backlogPoller) halt() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	<-p.done
	p.cancel, p.done = nil, nil
}

// clear removes the series this poller set (not those a newer generation
// set since).
func (p *backlogPoller) clear() { p.series.Clear() }

// refresh asks the listener once and updates the series; it reports
// whether refreshing is worth going on with.
func (p *backlogPoller) refresh(ctx context.Context) bool {
	if p.unsupported {
		return false
	}
	rctx, cancel := context.WithTimeout(ctx, min(p.every, maxBacklogWait))
	defer cancel()
	entries, err := p.src.Backlog(rctx)
	switch {
	case err == nil:
		p.series.Set(entries)
		if p.failing {
			p.failing = false
			p.log.Info("hark_backlog_messages is refreshed again")
		}
		return true
	case ctx.Err() != nil:
		return false // halted meanwhile: not a failure
	case errors.Is(err, notify.ErrUnsupported):
		p.unsupported = true
		p.log.Info("hark_backlog_messages is not reported: the transport cannot count what waits for a group", zap.Error(err))
		return false
	}
	if !p.failing {
		p.failing = true
		p.log.Warn("cannot refresh hark_backlog_messages; it keeps its last values (logged once until a refresh works)",
			zap.Duration("every", p.every), zap.Error(err))
	}
	return true
}
