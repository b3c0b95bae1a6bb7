package kafka

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// This file keeps at-least-once: an offset is committed only when every
// record before it in its partition is settled, whatever order the
// handlers settle them in.

// tp names a partition.
type tp struct {
	topic     string
	partition int32
}

// partState is what a listener knows of one partition assigned to it.
// Guarded by the listener's mu.
type partState struct {
	// committed is the group's committed offset (the next to read), -1
	// when the group has none.
	committed int64
	// next is the offset after the last record taken in: where the
	// partition would resume if everything taken were settled.
	next int64
	// pending holds the offsets taken in and not settled yet, ascending
	// (records of a partition arrive in order).
	pending []int64
	// paused: a retry partition whose head is not due; records are
	// ignored until resume, and then taken from resumeFrom on.
	paused     bool
	resumeFrom int64
	timer      *time.Timer
}

func newPartState(committed, next int64) *partState {
	return &partState{committed: committed, next: next, resumeFrom: -1}
}

// watermark is the offset to commit: the first unsettled record, or next
// when all are settled.
func (p *partState) watermark() int64 {
	if len(p.pending) > 0 {
		return p.pending[0]
	}
	return p.next
}

// track takes in the record at offset o.
func (p *partState) track(o int64) {
	p.pending = append(p.pending, o)
	p.next = o + 1
}

// settle marks the record at offset o settled.
func (p *partState) settle(o int64) {
	if i, ok := slices.BinarySearch(p.pending, o); ok {
		p.pending = slices.Delete(p.pending, i, i+1)
	}
}

// commitLoop commits what became committable every commit interval until
// the listener releases its group.
func (l *listener) commitLoop() {
	defer close(l.commitDone)
	t := time.NewTicker(l.tr.cfg.commitInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.commit(nil)
		case <-l.commitNow:
			l.commit(nil)
		case <-l.commitStop:
			return
		}
	}
}

// commit commits the watermark of the partitions in only (all when nil)
// that moved since their last commit. Commits are serialized, so a later
// watermark is never overwritten by an earlier one, and a revoke's commit
// comes after any commit already under way.
func (l *listener) commit(only map[tp]bool) {
	if l.transient || l.killed.Load() {
		return // a transient group keeps nothing on the broker
	}
	l.commitMu.Lock()
	defer l.commitMu.Unlock()
	offs := map[string]map[int32]kgo.EpochOffset{}
	want := map[tp]int64{}
	l.mu.Lock()
	for k, ps := range l.parts {
		if only != nil && !only[k] {
			continue
		}
		if w := ps.watermark(); w >= 0 && w > ps.committed {
			if offs[k.topic] == nil {
				offs[k.topic] = map[int32]kgo.EpochOffset{}
			}
			offs[k.topic][k.partition] = kgo.EpochOffset{Epoch: -1, Offset: w}
			want[k] = w
		}
	}
	l.mu.Unlock()
	if len(want) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	failed := map[tp]bool{}
	var reqErr error
	l.cl.CommitOffsetsSync(ctx, offs, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			reqErr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if e := kerr.ErrorForCode(p.ErrorCode); e != nil {
					failed[tp{t.Topic, p.Partition}] = true
					reqErr = e
				}
			}
		}
	})
	if reqErr != nil {
		// Not fatal: the next commit carries the same or a later
		// watermark; until then a crash redelivers a little more.
		l.log.Warn("offset commit failed; retried with the next one", zap.Error(reqErr))
		if len(failed) == 0 {
			return
		}
	}
	l.mu.Lock()
	for k, w := range want {
		if ps := l.parts[k]; ps != nil && !failed[k] && w > ps.committed {
			ps.committed = w
		}
	}
	l.mu.Unlock()
}

// adjustOffsets is franz-go's AdjustFetchOffsetsFn: it is called when
// partitions are assigned, with the group's committed offsets, and
// decides where the partitions without one start: the retry topics at
// their start (everything in them is the group's), the others as the
// listener's start position says. The positions are resolved to exact
// offsets here and committed at once (the commit loop is nudged), so that
// a partition that got nothing yet does not start somewhere else after a
// restart; Listen returns once this ran for its first assignment.
func (l *listener) adjustOffsets(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	if !l.waitClient(ctx) {
		return nil, ctx.Err()
	}
	states := map[tp]*partState{}
	byStart := map[int64][]string{} // start millisecond (-2 = log start) -> topics
	for topic, ps := range offsets {
		for p, o := range ps {
			at := o.EpochOffset().Offset
			if at >= 0 && !l.transient {
				states[tp{topic, p}] = newPartState(at, at)
				continue
			}
			ms := l.startMilli(topic)
			if ms == startNew {
				// The end when Listen was called; a partition added
				// since is all new.
				at := l.newOffsets[tp{topic, p}]
				states[tp{topic, p}] = newPartState(-1, at)
				offsets[topic][p] = kgo.NewOffset().At(at).WithEpoch(-1)
				continue
			}
			if !slices.Contains(byStart[ms], topic) {
				byStart[ms] = append(byStart[ms], topic)
			}
		}
	}
	adm := kadm.NewClient(l.cl)
	for ms, topics := range byStart {
		var listed kadm.ListedOffsets
		var err error
		if ms == startOfLog {
			listed, err = adm.ListStartOffsets(ctx, topics...)
		} else {
			listed, err = adm.ListOffsetsAfterMilli(ctx, ms, topics...)
		}
		if err == nil {
			err = listed.Error()
		}
		if err != nil {
			return nil, fmt.Errorf("kafka: resolve the start offsets of %v: %w", topics, err)
		}
		for _, topic := range topics {
			for p, o := range offsets[topic] {
				if at := o.EpochOffset().Offset; (at >= 0 && !l.transient) || states[tp{topic, p}] != nil {
					continue
				}
				lo, ok := listed.Lookup(topic, p)
				if !ok {
					return nil, fmt.Errorf("kafka: no start offset listed for %s/%d", topic, p)
				}
				states[tp{topic, p}] = newPartState(-1, lo.Offset)
				offsets[topic][p] = kgo.NewOffset().At(lo.Offset).WithEpoch(-1)
			}
		}
	}
	l.mu.Lock()
	for k, ps := range states {
		if old := l.parts[k]; old != nil && old.timer != nil {
			old.timer.Stop()
		}
		l.parts[k] = ps
	}
	l.mu.Unlock()
	if len(states) > 0 {
		// Commit the resolved start positions now, not at the next tick,
		// so that they hold from the group's first Listen on; and let
		// Listen return only now, so that a listener closed at once has
		// its positions to commit.
		select {
		case l.commitNow <- struct{}{}:
		default:
		}
		l.assignOnce.Do(func() { close(l.assigned) })
	}
	return offsets, nil
}

// Start "milliseconds" meaning the log start and the end offsets when
// Listen was called.
const (
	startOfLog = -2
	startNew   = -3
)

// startsNew reports whether some partition may start where its log ended
// when Listen was called.
func (l *listener) startsNew() bool {
	for _, name := range l.topics {
		if l.startMilli(name) == startNew {
			return true
		}
	}
	return false
}

// startMilli is where a partition of topic without a committed offset
// starts: startOfLog, startNew, or the first record stored at or after a
// Unix millisecond.
func (l *listener) startMilli(topic string) int64 {
	if src, ok := l.sources[topic]; ok && src.retry {
		return startOfLog
	}
	if l.transient {
		return startNew
	}
	const newMilli = startNew
	switch l.cfg.Start.Policy {
	case transport.StartAll:
		return startOfLog
	case transport.StartTime:
		return l.cfg.Start.Time.UnixMilli()
	case transport.StartNew:
		return newMilli
	}
	// StartDefault: the non-pooled group reads what was kept (oslo's
	// RabbitMQ queues keep it for that group too); a pool starts new.
	if l.cfg.Pool == "" {
		return startOfLog
	}
	return newMilli
}
