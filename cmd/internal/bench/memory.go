package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/harkmq/hark/transport"
)

// bareMemory is the baseline on the memory transport, which has no
// client of its own: hark's transport listener alone (Next, decode with
// encoding/json, Ack) in one loop per group, without notify's listener.
// It shows what the listener adds on top of the transport. recv is the
// decode: full (bare) or the envelope alone (bare-envelope).
type bareMemory struct {
	transportSide
	recv receiveFunc
}

func openBareMemory(ctx context.Context, cfg *Config, n names, recv receiveFunc) (*bareMemory, error) {
	ts, err := openTransportSide(ctx, cfg, n, cfg.priorities(), nil)
	if err != nil {
		return nil, err
	}
	return &bareMemory{transportSide: ts, recv: recv}, nil
}

func (b *bareMemory) consume(ctx context.Context, groups []string, t *tally) (func(context.Context) error, error) {
	var (
		ls     []transport.Listener
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed error
	)
	stop := func(context.Context) error {
		for _, l := range ls {
			_ = l.Stop()
		}
		wg.Wait()
		for _, l := range ls {
			_ = l.Close()
		}
		mu.Lock()
		defer mu.Unlock()
		return failed
	}
	for _, g := range groups {
		l, err := b.tr.Listen(ctx, b.listenConfig(g))
		if err != nil {
			_ = stop(ctx)
			return nil, fmt.Errorf("bench: subscribe: %w", err)
		}
		ls = append(ls, l)
		wg.Go(func() {
			for {
				d, err := l.Next(ctx)
				if err != nil {
					return
				}
				sent, err := b.recv(t, d.Message().Body)
				if err == nil {
					err = d.Ack(ctx)
				}
				if err != nil {
					mu.Lock()
					failed = errors.Join(failed, err)
					mu.Unlock()
					continue
				}
				t.record(sent)
			}
		})
	}
	return stop, nil
}
