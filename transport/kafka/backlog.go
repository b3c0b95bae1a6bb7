package kafka

import (
	"context"
	"fmt"
	"slices"

	"github.com/harkmq/hark/transport"
)

// Backlog reports the group's consumer lag (kadm's Lag: each partition's
// end offset minus the group's committed offset, or minus its start when
// the group committed nothing there) per (exchange, topic) of the
// listener's targets, its retry topics included: what waits for the
// group, stored and not yet delivered plus delivered and not yet
// committed. It asks the broker (a describe, an offset fetch and a list
// of end offsets), so poll it every few seconds.
func (l *listener) Backlog(ctx context.Context) ([]transport.Backlog, error) {
	lags, err := l.tr.adm.Lag(ctx, l.group)
	if err != nil {
		return nil, fmt.Errorf("kafka: backlog of group %s: %w", l.group, classify(err))
	}
	gl, ok := lags[l.group]
	if !ok {
		return nil, fmt.Errorf("kafka: backlog of group %s: the broker did not describe it", l.group)
	}
	if err := gl.Error(); err != nil {
		return nil, fmt.Errorf("kafka: backlog of group %s: %w", l.group, classify(err))
	}
	type key struct{ ex, topic string }
	sums := map[key]int64{}
	var order []key
	for _, tg := range l.cfg.Targets {
		k := key{tg.Exchange, tg.Topic}
		if !slices.Contains(order, k) {
			order = append(order, k)
			sums[k] = 0
		}
	}
	for topic, src := range l.sources {
		k := key{src.target.Exchange, src.target.Topic}
		for _, ml := range gl.Lag[topic] {
			switch {
			case ml.Lag >= 0:
				sums[k] += ml.Lag
			case ml.Err == nil && ml.End.Err == nil:
				// No commit yet: everything from the log start waits.
				sums[k] += ml.End.Offset - max(ml.Start.Offset, 0)
			}
		}
	}
	out := make([]transport.Backlog, 0, len(order))
	for _, k := range order {
		out = append(out, transport.Backlog{Exchange: k.ex, Topic: k.topic, Pool: l.cfg.Pool, Messages: sums[k]})
	}
	return out, nil
}
