package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestWatermark: the committable offset is the first unsettled record,
// whatever order records are settled in, and moves past gaps in the
// offsets (compaction, transaction markers).
func TestWatermark(t *testing.T) {
	p := newPartState(-1, 10)
	assert.Equal(t, int64(10), p.watermark(), "nothing taken in: the start")
	for _, o := range []int64{10, 11, 12, 14, 15} { // 13 is a gap
		p.track(o)
	}
	assert.Equal(t, int64(10), p.watermark())
	p.settle(12)
	p.settle(15)
	assert.Equal(t, int64(10), p.watermark(), "later settles do not move it")
	p.settle(10)
	assert.Equal(t, int64(11), p.watermark())
	p.settle(11)
	assert.Equal(t, int64(14), p.watermark(), "over the gap to the next unsettled record")
	p.settle(14)
	assert.Equal(t, int64(16), p.watermark(), "all settled: after the last record")
	p.settle(14)
	assert.Equal(t, int64(16), p.watermark(), "a second settle changes nothing")
}
