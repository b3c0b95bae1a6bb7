package bench

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints what the run is doing while it goes on: one line
// rewritten in place on a terminal, else a line every few seconds; the
// final figure of every phase either way.
type progress struct {
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

func newProgress(w io.Writer, tty bool) *progress {
	return &progress{w: w, tty: tty}
}

// track shows label and count()/total, with the rate since now, until
// the next track or end.
func (p *progress) track(label string, total int, count func() int64) {
	if p == nil || p.w == nil {
		return
	}
	p.end()
	p.mu.Lock()
	p.label, p.count, p.total, p.since = label, count, int64(total), time.Now()
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	stop, done := p.stop, p.done
	p.mu.Unlock()
	every := 5 * time.Second
	if p.tty {
		every = 250 * time.Millisecond
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

// end stops tracking, printing the final figure.
func (p *progress) end() {
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

func (p *progress) print(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.count()
	el := time.Since(p.since)
	rate := 0.0
	if el > 0 {
		rate = float64(n) / el.Seconds()
	}
	line := fmt.Sprintf("%s: %s/%s (%3.0f%%) %s msg/s, %.1fs", p.label, group(float64(n)), group(float64(p.total)),
		100*float64(n)/float64(max(p.total, 1)), group(rate), el.Seconds())
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}
