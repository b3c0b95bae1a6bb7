package rabbit

import (
	"math/rand/v2"
	"time"

	"github.com/harkmq/hark/internal/backoff"
)

// RetryPolicy is kombu's retry_policy for publishing: up to MaxRetries
// retries after the first attempt, waiting IntervalStart before the first
// retry and IntervalStep longer before each later one, never more than
// IntervalMax (kombu's fxrange(start, max+start, step, repeatlast=True)).
// Every retry reconnects first when the connection was lost, trying the
// next host.
type RetryPolicy struct {
	// MaxRetries caps the retries; -1 retries until the Send's context (or
	// the publish timeout) ends, oslo's retry=-1; 0 tries once.
	MaxRetries int
	// IntervalStart is the wait before the first retry.
	IntervalStart time.Duration
	// IntervalStep is added to the wait after each retry.
	IntervalStep time.Duration
	// IntervalMax caps the wait.
	IntervalMax time.Duration
}

// DefaultRetryPolicy is oslo's: retry until the context ends, 1s, then 2s
// longer each time, at most 30s (rabbit_retry_interval,
// rabbit_retry_backoff, rabbit_interval_max).
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxRetries:    -1,
		IntervalStart: DefaultRetryInterval,
		IntervalStep:  DefaultRetryBackoff,
		IntervalMax:   DefaultIntervalMax,
	}
}

func (p RetryPolicy) validate() error {
	if p.MaxRetries < -1 {
		return opt.Invalid("retry policy max retries %d (want -1, 0 or more)", p.MaxRetries)
	}
	if p.IntervalStart < 0 || p.IntervalStep < 0 || p.IntervalMax < 0 {
		return opt.Invalid("retry policy intervals %s, %s, %s must not be negative", p.IntervalStart, p.IntervalStep, p.IntervalMax)
	}
	return nil
}

// allows reports whether retry number n (1 for the first retry) may be
// made.
func (p RetryPolicy) allows(n int) bool {
	return p.MaxRetries < 0 || n <= p.MaxRetries
}

// wait returns the pause before retry number n (1 for the first retry):
// the policy's intervals are the shared linear schedule.
func (p RetryPolicy) wait(n int) time.Duration {
	return backoff.Linear{Start: p.IntervalStart, Step: p.IntervalStep, Max: p.IntervalMax}.Delay(n)
}

// reconnectWait returns the pause before reconnect attempt n (1 for the
// first) of a listener: kombu_reconnect_delay plus the retry interval
// schedule, as oslo's ensure() adds the two, plus up to splay of jitter.
func reconnectWait(c *config, n int) time.Duration {
	d := c.reconnectDelay
	if n > 1 {
		d += c.retry.wait(n - 1)
	}
	if c.reconnectSplay > 0 {
		d += rand.N(c.reconnectSplay)
	}
	return d
}
