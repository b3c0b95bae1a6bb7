// Package progress prints what a long CLI run is doing while it goes on
// (hark bench, hark notify --count): one line on standard error, rewritten
// in place on a terminal, else a plain line every few seconds so a log
// file stays readable; the final figure either way.
package progress

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Intervals between two progress lines.
const (
	// TTYInterval is how often a terminal's line is rewritten.
	TTYInterval = 250 * time.Millisecond
	// PlainInterval is how often a plain line is printed elsewhere.
	PlainInterval = 5 * time.Second
)

// Line tracks one count at a time and prints it with its rate. A nil
// *Line, or one made with a nil writer, prints nothing. Its methods are
// safe for concurrent use.
type Line struct {
	w   io.Writer
	tty bool

	mu    sync.Mutex
	label string
	count func() int64
	total int64
	since time.Time
	stop  chan struct{}
	done  chan struct{}
}

// New returns a Line writing to w; tty rewrites one line in place (w is a
// terminal) instead of printing a line every PlainInterval.
func New(w io.Writer, tty bool) *Line {
	return &Line{w: w, tty: tty}
}

// Track shows label and count(), out of total when total > 0, with the
// rate since now, until the next Track or End. count is called from
// another goroutine.
func (p *Line) Track(label string, total int64, count func() int64) {
	if p == nil || p.w == nil {
		return
	}
	p.End()
	p.mu.Lock()
	p.label, p.count, p.total, p.since = label, count, total, time.Now()
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	stop, done := p.stop, p.done
	p.mu.Unlock()
	every := PlainInterval
	if p.tty {
		every = TTYInterval
	}
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				p.print(true)
				return
			case <-t.C:
				p.print(false)
			}
		}
	}()
}

// End stops tracking, printing the final figure. It does nothing when
// nothing is tracked.
func (p *Line) End() {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	stop, done := p.stop, p.done
	p.stop = nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func (p *Line) print(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.count()
	el := time.Since(p.since)
	rate := 0.0
	if el > 0 {
		rate = float64(n) / el.Seconds()
	}
	var line string
	if p.total > 0 {
		line = fmt.Sprintf("%s: %s/%s (%3.0f%%) %s msg/s, %.1fs", p.label, Number(float64(n)), Number(float64(p.total)),
			100*float64(n)/float64(p.total), Number(rate), el.Seconds())
	} else {
		line = fmt.Sprintf("%s: %s, %s msg/s, %.1fs", p.label, Number(float64(n)), Number(rate), el.Seconds())
	}
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

// Number rounds v and groups its digits by thousands: "1,234,567"; "-"
// for NaN or an infinity.
func Number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
