package bench

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// osloDrainScript drives the real oslo.messaging listener.
//
//go:embed oslo_drain.py
var osloDrainScript string

// osloSide is the real oslo.messaging notification listener (its rabbit
// driver and default threading executor) run by Python. It consumes
// what hark's transport sent: oslo and hark declare the same queues, so
// preparing, sending and cleaning up are hark's.
type osloSide struct {
	*harkSide
}

func (o *osloSide) consume(ctx context.Context, groups []string, t *tally) (func(context.Context) error, error) {
	if len(groups) != 1 || groups[0] != "" {
		return nil, errors.New("bench: the oslo.messaging peer drains the non-pooled queue only")
	}
	spec, _ := json.Marshal(map[string]any{
		"url": osloURL(o.cfg.URL), "exchange": o.n.exchange, "topic": o.n.topic,
		"count": t.want, "workers": o.cfg.Workers, "prefetch": o.cfg.Prefetch,
		"stall": int(o.cfg.Stall / time.Second), "priorities": o.prios,
	})
	pctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(pctx, o.cfg.Python, "-c", osloDrainScript, string(spec))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("bench: oslo.messaging peer: %w", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("bench: start the oslo.messaging peer (%s): %w", o.cfg.Python, err)
	}
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var result struct {
			Messages int     `json:"messages"`
			Seconds  float64 `json:"seconds"`
		}
		got := false
		for sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "PROGRESS "); ok {
				if v, err := strconv.ParseInt(n, 10, 64); err == nil {
					t.external.Store(v)
				}
				continue
			}
			if json.Unmarshal([]byte(line), &result) == nil {
				got = true
			}
		}
		err := cmd.Wait()
		if err == nil && got {
			t.finishExternal(result.Messages, time.Duration(result.Seconds*float64(time.Second)))
		}
		if err == nil && !got {
			err = errors.New("it printed no result")
		}
		if err != nil && pctx.Err() == nil {
			err = fmt.Errorf("bench: the oslo.messaging peer failed: %w: %s", err, strings.TrimSpace(stderr.String()))
			t.fail(err)
		}
		exited <- err
	}()
	return func(context.Context) error {
		select {
		case err := <-exited:
			cancel()
			return err
		case <-time.After(30 * time.Second):
		}
		cancel()
		<-exited
		return errors.New("bench: the oslo.messaging peer did not stop within 30s; killed it")
	}, nil
}

// checkPython says whether python can import oslo_messaging, and how to
// get it when it cannot.
func checkPython(ctx context.Context, python string) error {
	out, err := exec.CommandContext(ctx, python, "-c", "import oslo_messaging").CombinedOutput()
	if err != nil {
		return fmt.Errorf("bench: --oslo needs oslo.messaging for %s (Debian: apt-get install python3-oslo.messaging): %w: %s",
			python, err, strings.TrimSpace(string(out)))
	}
	return nil
}
