package bench

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func TestTally_done_after_every_record_from_many_goroutines(t *testing.T) {
	const n = 10_000
	ty := newTally(n, true)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range n / 8 {
				ty.record(time.Now())
			}
		})
	}
	wg.Wait()
	select {
	case <-ty.done:
	default:
		t.Fatal("done not closed after want records")
	}
	assert.EqualValues(t, n, ty.count())
	ty.record(time.Now()) // a redelivery beyond want: ignored, no second close
	assert.EqualValues(t, n, ty.count())
}

func TestTally_latency_percentiles(t *testing.T) {
	ty := newTally(100, true)
	for i := range 100 {
		ty.lat[i] = time.Duration(100-i) * time.Millisecond // out of order
	}
	ty.claimed.Store(100)
	l := ty.latency()
	require.NotNil(t, l)
	assert.Equal(t, 51_000.0, l.P50)
	assert.Equal(t, 91_000.0, l.P90)
	assert.Equal(t, 100_000.0, l.P99)
	assert.Equal(t, 100_000.0, l.Max)

	assert.Nil(t, newTally(5, false).latency(), "no latencies kept")
}

func TestTally_external_contender(t *testing.T) {
	ty := newTally(10, false)
	ty.external.Store(4)
	assert.EqualValues(t, 4, ty.count())
	ty.finishExternal(10, 3*time.Second)
	<-ty.done
	assert.Equal(t, 3*time.Second, ty.measured)
}

func TestMessageMaker_pads_to_size(t *testing.T) {
	mm, err := newMessageMaker(1000)
	require.NoError(t, err)
	m, err := mm.make(time.Time{}, transport.Info)
	require.NoError(t, err)
	assert.Len(t, m.Body, 1000)
	ts, err := bareDecode(m.Body)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), parseTimestamp(ts), time.Minute)

	small, err := newMessageMaker(10)
	require.NoError(t, err)
	m, err = small.make(time.Time{}, transport.Info)
	require.NoError(t, err)
	assert.Less(t, len(m.Body), 600, "smaller than the smallest notification: no padding")
}
