package transport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/harkmq/hark/internal/backoff"
	"github.com/harkmq/hark/target"
)

// Defaults of RetryPolicy.
const (
	// DefaultAttemptTimeout bounds one attempt of a send: long enough for
	// a broker under load to confirm, short enough that an attempt lost
	// with a connection, a frozen server or a leader that died is tried
	// again well within a caller's deadline.
	DefaultAttemptTimeout = 10 * time.Second
	// DefaultRetryStart, DefaultRetryStep and DefaultRetryMax are oslo's
	// rabbit_retry_interval, rabbit_retry_backoff and rabbit_interval_max
	// (kombu's interval_start, interval_step, interval_max).
	DefaultRetryStart = 1 * time.Second
	DefaultRetryStep  = 2 * time.Second
	DefaultRetryMax   = 30 * time.Second
)

// Backoff is kombu's retry schedule: Start before the first retry, Step
// more before each later one, never more than Max.
type Backoff struct {
	Start, Step, Max time.Duration
}

// DefaultBackoff is oslo's schedule: 1s, 3s, 5s, ... at most 30s.
func DefaultBackoff() Backoff {
	return Backoff{Start: DefaultRetryStart, Step: DefaultRetryStep, Max: DefaultRetryMax}
}

// Delay is the wait before retry number n (1 for the first retry):
// min(Start + (n-1)·Step, Max).
func (b Backoff) Delay(n int) time.Duration {
	return backoff.Linear(b).Delay(n)
}

// Validate checks b; the error wraps ErrInvalidConfig.
func (b Backoff) Validate() error {
	if b.Start < 0 || b.Step < 0 || b.Max < 0 {
		return fmt.Errorf("%w: backoff %s, %s, %s: durations must not be negative", ErrInvalidConfig, b.Start, b.Step, b.Max)
	}
	return nil
}

// RetryPolicy says how a send is retried. The zero value retries until
// the context ends, with DefaultAttemptTimeout and DefaultBackoff.
type RetryPolicy struct {
	// Attempts caps the attempts, the first included; 0 means until the
	// context ends, as oslo's notifier does by default (retry=-1). See
	// RetryUpTo for oslo's retry count.
	Attempts int
	// AttemptTimeout bounds one attempt; 0 means DefaultAttemptTimeout.
	// An attempt that runs out is retried like any transient failure: the
	// broker may have stored the message, which is why every attempt
	// carries the same message ID.
	AttemptTimeout time.Duration
	// Backoff is the wait between attempts; the zero value means
	// DefaultBackoff.
	Backoff Backoff
}

// RetryUpTo returns the policy retrying at most n times (oslo's retry=n;
// n < 0 retries until the context ends), with the default attempt timeout
// and backoff.
func RetryUpTo(n int) RetryPolicy {
	if n < 0 {
		return RetryPolicy{}
	}
	return RetryPolicy{Attempts: n + 1}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.AttemptTimeout <= 0 {
		p.AttemptTimeout = DefaultAttemptTimeout
	}
	if p.Backoff == (Backoff{}) {
		p.Backoff = DefaultBackoff()
	}
	return p
}

// Validate checks p; the error wraps ErrInvalidConfig.
func (p RetryPolicy) Validate() error {
	if p.AttemptTimeout < 0 {
		return fmt.Errorf("%w: attempt timeout %s is negative", ErrInvalidConfig, p.AttemptTimeout)
	}
	if p.Attempts < 0 {
		return fmt.Errorf("%w: attempts %d is negative (0 means until the context ends)", ErrInvalidConfig, p.Attempts)
	}
	return p.Backoff.Validate()
}

// RetryInfo describes a failed attempt about to be retried.
type RetryInfo struct {
	// Attempt is the number of the attempt that failed (1 for the first).
	Attempt int
	// Wait is the pause before the next attempt.
	Wait time.Duration
	// Err is why the attempt failed.
	Err error
}

// Retryable reports whether an attempt that failed with err may succeed
// if tried again: a timeout, a lost connection, "no responders" or a
// leader change may; a request that is itself wrong (invalid target,
// configuration or payload, an unsupported feature), a transport that
// was closed, or a cancellation will not. The caller's own context is
// checked apart (Retry): an attempt's deadline running out
// (context.DeadlineExceeded) is retryable.
func Retryable(err error) bool {
	for _, final := range []error{
		ErrClosed, ErrInvalidConfig, ErrInvalidURL, ErrUnknownScheme, ErrNotSupported,
		ErrEncode, target.ErrInvalidTarget, errFinal, context.Canceled,
	} {
		if errors.Is(err, final) {
			return false
		}
	}
	return true
}

// errFinal marks errors Permanent made.
var errFinal = errors.New("permanent")

// Permanent wraps err so that Retryable reports false for it: what a
// driver knows cannot succeed by trying again (a refused permission, a
// mismatched declaration).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() []error { return []error{e.err, errFinal} }

// Retry runs attempt until it succeeds, fails with an error that is not
// Retryable, the policy's retries are spent, or ctx ends, waiting the
// policy's backoff between attempts. Each attempt gets a context bounded
// by the policy's AttemptTimeout (and by ctx). onRetry, if not nil, hears
// of each failed attempt that will be retried, before the wait. The error
// is one line: how many attempts were made, why it stopped, and the last
// attempt's error (wrapped, for errors.Is).
func Retry(ctx context.Context, p RetryPolicy, attempt func(ctx context.Context) error, onRetry func(RetryInfo)) error {
	p = p.withDefaults()
	var last error
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			if last == nil {
				return fmt.Errorf("not sent: %w", err)
			}
			return fmt.Errorf("gave up after %d attempt(s): %w; last error: %w", n-1, err, last)
		}
		actx, cancel := context.WithTimeout(ctx, p.AttemptTimeout)
		err := attempt(actx)
		cancel()
		if err == nil {
			return nil
		}
		last = err
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("gave up after %d attempt(s): %w; last error: %w", n, ctx.Err(), err)
		case !Retryable(err):
			return fmt.Errorf("failed after %d attempt(s): %w", n, err)
		case p.Attempts > 0 && n >= p.Attempts:
			return fmt.Errorf("failed after %d attempt(s), all the policy allows: %w", n, err)
		}
		wait := p.Backoff.Delay(n)
		if onRetry != nil {
			onRetry(RetryInfo{Attempt: n, Wait: wait, Err: err})
		}
		if err := Sleep(ctx, wait); err != nil {
			return fmt.Errorf("gave up after %d attempt(s): %w; last error: %w", n, err, last)
		}
	}
}

// SendRetrying sends msg through tr as Retry says, the same message on
// every attempt: a driver that de-duplicates on the broker (NATS
// JetStream's Nats-Msg-Id, within its duplicate window) stores it once,
// and listeners drop a repeat by its _unique_id (RabbitMQ keeps both).
func SendRetrying(ctx context.Context, tr Transport, t target.Target, p Priority, msg Message, policy RetryPolicy, onRetry func(RetryInfo)) error {
	return Retry(ctx, policy, func(ctx context.Context) error { return tr.Send(ctx, t, p, msg) }, onRetry)
}

// Sleep waits d, or until ctx ends (returning ctx.Err()). A d ≤ 0 does
// not wait.
func Sleep(ctx context.Context, d time.Duration) error {
	if !backoff.Sleep(ctx, d, nil) {
		return ctx.Err()
	}
	return nil
}

// JoinErrors is errors.Join on one line: the messages joined with "; ",
// so a CLI or a log line stays one line. It returns nil when every err is
// nil; errors.Is and errors.As see each of them.
func JoinErrors(errs ...error) error {
	var kept []error
	for _, err := range errs {
		if err != nil {
			kept = append(kept, err)
		}
	}
	switch len(kept) {
	case 0:
		return nil
	case 1:
		return kept[0]
	}
	return joinedErrors(kept)
}

type joinedErrors []error

func (e joinedErrors) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "; ")
}

func (e joinedErrors) Unwrap() []error { return e }
