package progress

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestLine_plain: off a terminal a plain line every PlainInterval, and the
// final figure at End; without a total, no fraction.
func TestLine_plain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b bytes.Buffer
		var n atomic.Int64
		p := New(&b, false)
		p.Track("sending", 0, n.Load)
		n.Store(5000)
		time.Sleep(PlainInterval + time.Millisecond)
		synctest.Wait()
		assert.Equal(t, "sending: 5,000, 1,000 msg/s, 5.0s\n", b.String())
		n.Store(6000)
		p.End()
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		assert.Len(t, lines, 2)
		assert.True(t, strings.HasPrefix(lines[1], "sending: 6,000, "), lines[1])
		p.End() // twice is harmless
	})
}

// TestLine_tty: on a terminal one line rewritten in place, ended by a
// newline; with a total, the fraction and percentage.
func TestLine_tty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b bytes.Buffer
		var n atomic.Int64
		p := New(&b, true)
		p.Track("drain", 200, n.Load)
		n.Store(50)
		time.Sleep(TTYInterval + time.Millisecond)
		synctest.Wait()
		assert.Equal(t, "\r\033[Kdrain: 50/200 ( 25%) 200 msg/s, 0.2s", b.String())
		p.End()
		assert.True(t, strings.HasSuffix(b.String(), "\n"))
		assert.Equal(t, 0, strings.Count(strings.TrimSuffix(b.String(), "\n"), "\n"), "one line, rewritten")
	})
}

func TestLine_nil(t *testing.T) {
	var p *Line
	p.Track("x", 1, func() int64 { return 0 })
	p.End()
	New(nil, true).Track("x", 1, func() int64 { return 0 })
}

func TestNumber(t *testing.T) {
	assert.Equal(t, "1,234,567", Number(1234567))
	assert.Equal(t, "-1,000", Number(-1000))
	assert.Equal(t, "999", Number(999.4))
}
