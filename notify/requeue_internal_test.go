package notify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The n-th requeue waits Backoff[n-1]; the last entry repeats; an empty
// list requeues at once.
func TestRequeuePolicyDelay(t *testing.T) {
	s := time.Second
	r := RequeuePolicy{Backoff: []time.Duration{s, 10 * s, time.Minute}}
	var got []time.Duration
	for deliveries := 0; deliveries <= 5; deliveries++ {
		got = append(got, r.delay(deliveries))
	}
	assert.Equal(t, []time.Duration{s, s, 10 * s, time.Minute, time.Minute, time.Minute}, got)
	assert.Zero(t, RequeuePolicy{}.delay(3))
}
