package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// lifecycle is the Start/Stop/Wait state machine shared by Listener and
// BatchListener. Unlike oslo's, no call order blocks forever: Stop before
// Start is a no-op, Wait before Start returns at once, Wait before Stop
// blocks only until Stop or its own context, and a stopped and waited
// listener can be started again.
type lifecycle struct {
	tr     transport.Transport
	cfg    transport.ListenConfig
	exec   executor.Factory
	log    *zap.Logger
	intake func(r *run) // reads r.tl and submits to r.exec until intake ends

	mu  sync.Mutex
	cur *run
}

// run is one Start..Wait cycle.
type run struct {
	tl   transport.Listener
	exec executor.Executor

	intakeCtx  context.Context
	stopIntake context.CancelFunc
	// submitCtx lets a Wait whose context ran out abort a Submit blocked
	// on a full executor.
	submitCtx   context.Context
	abortSubmit context.CancelFunc

	stopOnce sync.Once
	stopped  chan struct{}
	loopDone chan struct{}
}

// stop ends intake; safe to call many times from any goroutine.
func (r *run) stop() {
	r.stopOnce.Do(func() {
		close(r.stopped)
		r.stopIntake()
		_ = r.tl.Stop()
	})
}

func (r *run) isStopped() bool {
	select {
	case <-r.stopped:
		return true
	default:
		return false
	}
}

// start opens the transport listener and starts intake. ctx bounds the
// listener's intake: when it is done the listener stops as if by Stop.
func (lc *lifecycle) start(ctx context.Context) error {
	lc.mu.Lock()
	if cur := lc.cur; cur != nil {
		if !cur.isStopped() {
			lc.mu.Unlock()
			lc.log.Warn("the listener has already been started; ignoring the redundant call to Start")
			return nil
		}
		// Stopped but not waited for: finish that run before a new one.
		lc.mu.Unlock()
		if err := lc.finish(ctx, cur); err != nil {
			return fmt.Errorf("start: finishing the previous run: %w", err)
		}
		lc.mu.Lock()
		if lc.cur != nil {
			lc.mu.Unlock()
			return nil // another Start won the race
		}
	}
	defer lc.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("start listener: %w", err)
	}

	intakeCtx, stopIntake := context.WithCancel(ctx)
	tl, err := lc.tr.Listen(intakeCtx, lc.cfg)
	if err != nil {
		stopIntake()
		return fmt.Errorf("start listener: %w", err)
	}
	submitCtx, abortSubmit := context.WithCancel(context.WithoutCancel(ctx))
	r := &run{
		tl:          tl,
		exec:        lc.exec.New(executor.WithLogger(lc.log)),
		intakeCtx:   intakeCtx,
		stopIntake:  stopIntake,
		submitCtx:   submitCtx,
		abortSubmit: abortSubmit,
		stopped:     make(chan struct{}),
		loopDone:    make(chan struct{}),
	}
	lc.cur = r
	go func() {
		<-intakeCtx.Done()
		r.stop()
	}()
	go func() {
		defer close(r.loopDone)
		lc.intake(r)
	}()
	lc.log.Info("listener started",
		zap.Stringer("targets", targetList(lc.cfg.Targets)),
		zap.String("pool", lc.cfg.Pool),
		zap.Int("prefetch", lc.cfg.Prefetch),
		zap.String("executor", lc.exec.Name()),
		zap.Int("workers", lc.exec.Workers()))
	return nil
}

// stop ends intake of the current run, if any. It does not wait.
func (lc *lifecycle) stop() {
	lc.mu.Lock()
	cur := lc.cur
	lc.mu.Unlock()
	if cur != nil {
		cur.stop()
	}
}

// wait blocks until the current run is stopped, then finishes it.
func (lc *lifecycle) wait(ctx context.Context) error {
	lc.mu.Lock()
	cur := lc.cur
	lc.mu.Unlock()
	if cur == nil {
		return nil
	}
	select {
	case <-cur.stopped:
	case <-ctx.Done():
		return fmt.Errorf("wait: the listener was not stopped: %w", ctx.Err())
	}
	return lc.finish(ctx, cur)
}

// finish lets in-flight handlers complete and settle within ctx, then
// releases the transport listener. Deliveries still unsettled when ctx
// runs out go back to the broker, which redelivers them: nothing is lost.
func (lc *lifecycle) finish(ctx context.Context, r *run) error {
	select {
	case <-r.loopDone:
	case <-ctx.Done():
		r.abortSubmit()
		<-r.loopDone
	}
	execErr := r.exec.Stop(ctx)
	if execErr != nil {
		lc.log.Warn("handlers still running at the shutdown deadline; their notifications will be redelivered", zap.Error(execErr))
	}
	r.abortSubmit()
	r.stopIntake()
	closeErr := r.tl.Close()
	lc.mu.Lock()
	if lc.cur == r {
		lc.cur = nil
	}
	lc.mu.Unlock()
	if err := transport.JoinErrors(execErr, closeErr); err != nil {
		return fmt.Errorf("wait: %w", err)
	}
	lc.log.Info("listener stopped")
	return nil
}

// submit hands task to the run's executor. It returns false when intake
// must end (executor stopped, or a Wait deadline aborted the submit); the
// delivery then stays unsettled and Close gives it back to the broker.
func (r *run) submit(task executor.Task) bool {
	return r.exec.Submit(r.submitCtx, task) == nil
}

type targetList []target.Target

func (ts targetList) String() string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ",")
}
