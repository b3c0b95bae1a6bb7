package kafka

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

// source is what a subscribed Kafka topic stands for.
type source struct {
	target target.Target
	prio   transport.Priority
	// retry: the topic is the group's retry topic of main.
	retry bool
	main  string
}

// listener is a transport.Listener: one franz-go group client
// subscribed to every "<topic>.<priority>" of its targets and, but for a
// transient group, to the group's retry topic of each. One client, one
// group member and three goroutines (poll, commit, context watch) serve
// any number of topics.
type listener struct {
	tr        *Transport
	cfg       transport.ListenConfig
	log       *zap.Logger
	group     string
	transient bool
	sources   map[string]source
	topics    []string
	// newOffsets are the end offsets of the main topics when Listen was
	// called: where a partition starts for a "new" start position.
	newOffsets map[tp]int64
	cl         *kgo.Client
	clReady    chan struct{} // closed once cl is set: group callbacks may run before
	assigned   chan struct{} // closed once the first non-empty assignment's start offsets are resolved
	assignOnce sync.Once

	handoff *driverkit.Handoff[delivery]
	budget  driverkit.Wake // outstanding fell
	settled driverkit.Wake // a handed-out delivery ended

	mu          sync.Mutex
	parts       map[tp]*partState
	live        map[*delivery]struct{} // active or settling: buffered and handed out
	outstanding int                    // len(live), against the prefetch
	handedOut   int                    // of live, handed out by Next
	stopped     bool
	givingBack  bool
	releasing   bool

	commitMu   sync.Mutex
	pollCtx    context.Context
	pollCancel context.CancelFunc
	done       chan struct{} // closed by Stop
	loopDone   chan struct{}
	commitStop chan struct{}
	commitNow  chan struct{} // a commit is wanted before the next tick (buffer 1)
	commitDone chan struct{}
	released   chan struct{}
	closeOnce  sync.Once
	// killed: the listener plays a crashed process (tests): it commits
	// nothing more and gives nothing back.
	killed atomic.Bool
}

var (
	_ transport.Listener        = (*listener)(nil)
	_ transport.BacklogReporter = (*listener)(nil)
)

// Listen subscribes to every "<topic>.<priority>[.<vhost>]" of cfg's
// targets × priorities in the consumer group cfg.Pool (consumer_group
// without a pool) and returns the listener. Unless cfg.Passive, missing
// topics (and the group's retry topics) are created with the broker's
// default partitions and replication, so a listener started before any
// sender works; a passive listener creates nothing and fails with an error
// wrapping transport.ErrNotFound when none of its topics exist. A
// transient pool is a group of its own with a random name that commits
// nothing and is deleted when the listener closes. Listen returns once the
// group gave the new member partitions (a rebalance of the other
// members), or after the join wait (WithJoinWait) when it gave none. See
// the package documentation for start positions.
func (t *Transport) Listen(ctx context.Context, cfg transport.ListenConfig) (transport.Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("kafka: listen: %w", err)
	}
	if t.listeners.Closed() {
		return nil, errTransportClosed
	}
	cfg = cfg.WithPrefetchDefault(t.cfg.maxPollRecords).WithDefaults(t.cfg.exchange)
	l := &listener{
		tr: t, cfg: cfg, log: t.log, transient: cfg.Transient,
		sources: map[string]source{}, newOffsets: map[tp]int64{}, assigned: make(chan struct{}), clReady: make(chan struct{}),
		handoff: driverkit.NewHandoff[delivery](cfg.Prefetch),
		budget:  driverkit.NewWake(), settled: driverkit.NewWake(),
		parts: map[tp]*partState{}, live: map[*delivery]struct{}{},
		done: make(chan struct{}), loopDone: make(chan struct{}),
		commitStop: make(chan struct{}), commitNow: make(chan struct{}, 1), commitDone: make(chan struct{}),
		released: make(chan struct{}),
	}
	l.group = cfg.Pool
	switch {
	case cfg.Transient:
		l.group = cfg.Pool + "-" + randomSuffix()
	case l.group == "":
		l.group = t.cfg.consumerGroup
	}
	l.log = t.log.With(zap.String("group", l.group))
	for _, tg := range cfg.Targets {
		for _, p := range cfg.Priorities {
			main := t.topic(tg.Topic, p)
			if err := checkTopic(main); err != nil {
				return nil, fmt.Errorf("kafka: listen: %w", err)
			}
			if err := checkTopic(t.topic(cfg.DeadLetterTarget(tg).Topic, p)); err != nil {
				return nil, fmt.Errorf("kafka: listen: dead-letter topic: %w", err)
			}
			if _, dup := l.sources[main]; dup {
				continue // the same topic through another exchange: Kafka cannot tell them apart
			}
			l.sources[main] = source{target: tg, prio: p}
			l.topics = append(l.topics, main)
			if !l.transient {
				rt := retryTopicName(l.group, main)
				l.sources[rt] = source{target: tg, prio: p, retry: true, main: main}
				l.topics = append(l.topics, rt)
			}
		}
	}
	if err := l.prepareTopics(ctx); err != nil {
		return nil, err
	}
	if err := l.listNewOffsets(ctx); err != nil {
		return nil, err
	}
	opts := append(t.cfg.clientOpts(t.health),
		kgo.ConsumerGroup(l.group),
		kgo.ConsumeTopics(l.topics...),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.ConsumeStartOffset(kgo.NewOffset().AtStart()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.AdjustFetchOffsetsFn(l.adjustOffsets),
		kgo.OnPartitionsRevoked(func(ctx context.Context, _ *kgo.Client, m map[string][]int32) { l.revoke(ctx, m, true) }),
		kgo.OnPartitionsLost(func(ctx context.Context, _ *kgo.Client, m map[string][]int32) { l.revoke(ctx, m, false) }),
		kgo.FetchMaxPartitionBytes(int32(t.cfg.maxFetchBytes)),
		// The client buffers a whole fetch per broker beyond what the
		// prefetch lets in: keep it to kafka_max_fetch_bytes (1 MiB),
		// not franz-go's 50 MB. At 4 MiB harkd peaked at 83 MiB draining
		// a million notifications, at 1 MiB at 70 MiB and no slower.
		kgo.FetchMaxBytes(int32(min(t.cfg.maxFetchBytes, 50<<20))),
		kgo.FetchMaxWait(t.cfg.consumerTimeout),
		kgo.HeartbeatInterval(time.Second),
		// Range splits each topic's partitions among the members that
		// read it (sticky balancers count partitions over all topics, and
		// could give one member every retry partition and the other
		// every main one), and it is the first strategy librdkafka
		// offers by default ("range,roundrobin"), so oslo's listeners
		// can share a pool with hark's.
		kgo.Balancers(kgo.RangeBalancer()),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: listen: %w: %w", transport.ErrInvalidConfig, err)
	}
	l.cl = cl
	close(l.clReady)
	l.pollCtx, l.pollCancel = context.WithCancel(context.Background())
	if !t.listeners.Add(l) {
		l.pollCancel()
		cl.Close()
		return nil, errTransportClosed
	}
	go l.poll()
	if l.transient {
		close(l.commitDone)
	} else {
		go l.commitLoop()
	}
	go func() {
		select {
		case <-ctx.Done():
			_ = l.Stop()
		case <-l.done:
		}
	}()
	if t.cfg.joinWait > 0 {
		wait := time.NewTimer(t.cfg.joinWait)
		defer wait.Stop()
		select {
		case <-l.assigned:
		case <-wait.C:
		case <-ctx.Done():
		}
	}
	return l, nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// prepareTopics creates the listener's missing topics, or, for a passive
// listener, drops those that do not exist and fails when none of its
// main topics does.
func (l *listener) prepareTopics(ctx context.Context) error {
	adm := l.tr.adm
	if l.cfg.Passive {
		td, err := adm.ListTopics(ctx, l.topics...)
		if err != nil {
			return fmt.Errorf("kafka: listen: list topics: %w", classify(err))
		}
		var keep []string
		mains := 0
		for _, name := range l.topics {
			if d, ok := td[name]; ok && d.Err == nil {
				keep = append(keep, name)
				if !l.sources[name].retry {
					mains++
				}
			}
		}
		if mains == 0 {
			return fmt.Errorf("kafka: listen: %w: none of the topics %v exists", transport.ErrNotFound, l.mainTopics())
		}
		l.topics = keep
		return nil
	}
	resp, err := adm.CreateTopics(ctx, -1, -1, nil, l.topics...)
	if err != nil {
		return fmt.Errorf("kafka: listen: create topics: %w", classify(err))
	}
	for _, r := range resp.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
			// Not fatal: a principal without the CREATE permission reads
			// topics made by others (or by the broker's auto-creation);
			// the client waits for a topic that does not exist yet.
			l.log.Warn("cannot create a topic; the listener reads it once it exists", zap.String("topic", r.Topic), zap.Error(r.Err))
		}
	}
	return nil
}

// listNewOffsets records where each partition of the main topics ends
// now: a "new" start position starts there, however long the join takes.
func (l *listener) listNewOffsets(ctx context.Context) error {
	if !l.startsNew() {
		return nil
	}
	listed, err := l.tr.adm.ListEndOffsets(ctx, l.mainTopics()...)
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		return fmt.Errorf("kafka: listen: list end offsets: %w", classify(err))
	}
	listed.Each(func(o kadm.ListedOffset) {
		l.newOffsets[tp{o.Topic, o.Partition}] = o.Offset
	})
	return nil
}

func (l *listener) mainTopics() []string {
	var out []string
	for _, name := range l.topics {
		if !l.sources[name].retry {
			out = append(out, name)
		}
	}
	return out
}

// poll takes records from the client while the listener has prefetch to
// spare, turns them into deliveries and hands them to Next. It is the
// only goroutine that polls, so rebalance callbacks (which franz-go holds
// back while polled records are being taken in, BlockRebalanceOnPoll)
// always see every record taken in.
func (l *listener) poll() {
	defer close(l.loopDone)
	for {
		n := l.waitBudget()
		if n == 0 {
			return
		}
		fs := l.cl.PollRecords(l.pollCtx, n)
		if fs.IsClientClosed() || l.pollCtx.Err() != nil {
			l.cl.AllowRebalance()
			return
		}
		fs.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				l.log.Warn("fetch failed; retrying", zap.String("topic", topic), zap.Int32("partition", p), zap.Error(err))
			}
		})
		now := time.Now()
		var holds []hold
		l.mu.Lock()
		fs.EachRecord(func(r *kgo.Record) {
			if h, ok := l.acceptLocked(r, now); ok {
				holds = append(holds, h)
			}
		})
		l.mu.Unlock()
		for _, h := range holds {
			// Before AllowRebalance, as franz-go asks, so no revoke runs
			// in between; the timer starts once the pause is in place,
			// so that its resume cannot come first.
			l.cl.PauseFetchPartitions(map[string][]int32{h.key.topic: {h.key.partition}})
			l.cl.SetOffsets(map[string]map[int32]kgo.EpochOffset{h.key.topic: {h.key.partition: {Epoch: -1, Offset: h.offset}}})
			l.mu.Lock()
			if l.parts[h.key] == h.ps && h.ps.paused {
				h.ps.timer = time.AfterFunc(h.wait, func() { l.resume(h.key, h.ps) })
			}
			l.mu.Unlock()
		}
		l.cl.AllowRebalance()
	}
}

// hold is a retry partition to pause at offset until its head is due,
// after wait.
type hold struct {
	key    tp
	ps     *partState
	offset int64
	wait   time.Duration
}

// waitBudget waits until the listener may take more records and returns
// how many (0 once intake ended).
func (l *listener) waitBudget() int {
	for {
		l.mu.Lock()
		stopped := l.stopped
		free := l.cfg.Prefetch - l.outstanding
		l.mu.Unlock()
		if stopped {
			return 0
		}
		if free > 0 {
			return min(free, l.tr.cfg.maxPollRecords)
		}
		select {
		case <-l.budget:
		case <-l.done:
			return 0
		}
	}
}

// acceptLocked turns record r into a delivery and hands it over, or
// returns a hold when r is the head of a retry partition that is not due.
func (l *listener) acceptLocked(r *kgo.Record, now time.Time) (hold, bool) {
	key := tp{r.Topic, r.Partition}
	ps := l.parts[key]
	if ps == nil || l.stopped || ps.paused || r.Offset < ps.next || (ps.resumeFrom >= 0 && r.Offset < ps.resumeFrom) {
		return hold{}, false // revoked, stopped, held back, or already taken in
	}
	ps.resumeFrom = -1
	src := l.sources[r.Topic]
	msg, ri := fromRecord(r)
	d := &delivery{l: l, rec: r, key: key, ps: ps, msg: msg, count: 1, retry: ri,
		src: transport.Source{Target: src.target, Priority: src.prio, Pool: l.cfg.Pool}}
	if src.retry {
		d.count = max(ri.deliveries, 0) + 1
		if due := ri.dueMillis; due > now.UnixMilli() {
			// The head is not due: the partition waits for it (records
			// behind it wait too; see the package documentation).
			ps.paused, ps.resumeFrom = true, r.Offset
			return hold{key: key, ps: ps, offset: r.Offset, wait: time.Duration(due-now.UnixMilli()) * time.Millisecond}, true
		}
	}
	if !l.transient {
		ps.track(r.Offset)
		d.tracked = true
	} else {
		ps.next = r.Offset + 1
	}
	l.addLocked(d)
	return hold{}, false
}

// waitClient waits until l.cl is set: franz-go starts joining the group
// inside kgo.NewClient, so its callbacks can run before NewClient
// returned.
func (l *listener) waitClient(ctx context.Context) bool {
	select {
	case <-l.clReady:
		return true
	case <-ctx.Done():
		return false
	}
}

// addLocked counts d against the prefetch and hands it to Next.
func (l *listener) addLocked(d *delivery) {
	l.live[d] = struct{}{}
	l.outstanding++
	l.handoff.Push(d)
}

// resume lets a paused retry partition be fetched again once its head is
// due.
func (l *listener) resume(key tp, ps *partState) {
	l.mu.Lock()
	if l.parts[key] != ps || !ps.paused {
		l.mu.Unlock()
		return
	}
	ps.paused, ps.timer = false, nil
	l.mu.Unlock()
	l.cl.ResumeFetchPartitions(map[string][]int32{key.topic: {key.partition}})
}

// Next returns the next delivery; see transport.Listener.
func (l *listener) Next(ctx context.Context) (transport.Delivery, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := l.handoff.Take(ctx, l.done)
		if err != nil {
			return nil, err
		}
		if d == nil {
			return nil, errListenerClosed
		}
		l.mu.Lock()
		if l.stopped {
			if d.state == driverkit.Active {
				l.endLocked(d, driverkit.Released)
			}
			l.mu.Unlock()
			return nil, errListenerClosed
		}
		if d.state != driverkit.Active {
			l.mu.Unlock()
			continue // its partition was revoked while it waited
		}
		d.handedOut = true
		l.handedOut++
		l.mu.Unlock()
		return d, nil
	}
}

var errListenerClosed = fmt.Errorf("kafka: listener: %w", transport.ErrClosed)

// endLocked ends a live delivery in state st (Settled, Expired or
// Released): it no longer counts against the prefetch. Its offset is
// settled for the commit watermark only by settleOffsetLocked.
func (l *listener) endLocked(d *delivery, st driverkit.State) {
	d.state = st
	if _, ok := l.live[d]; !ok {
		return
	}
	delete(l.live, d)
	l.outstanding--
	l.budget.Signal()
	if d.handedOut {
		l.handedOut--
		l.settled.Signal()
	}
	l.maybeReleaseLocked()
}

// settleOffsetLocked settles d's record for the commit watermark, unless
// its partition was revoked since (the new owner reads it again).
func (l *listener) settleOffsetLocked(d *delivery) {
	if d.tracked && l.parts[d.key] == d.ps {
		d.ps.settle(d.rec.Offset)
	}
}

// maybeReleaseLocked leaves the group once a stopped listener has nothing
// handed out left to settle.
func (l *listener) maybeReleaseLocked() {
	if l.stopped && l.handedOut == 0 && !l.givingBack && !l.releasing {
		l.releasing = true
		go l.release()
	}
}

// Stop ends intake: Next fails with ErrClosed; what was buffered and not
// handed out is dropped (its offsets stay uncommitted, so the group reads
// it again). The listener stays in its group while deliveries it handed
// out are unsettled, so they can still be settled; then it commits and
// leaves. Idempotent.
func (l *listener) Stop() error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return nil
	}
	l.stopped = true
	close(l.done)
	for _, d := range l.handoff.Close() {
		if d.state == driverkit.Active {
			l.endLocked(d, driverkit.Released)
		}
	}
	l.maybeReleaseLocked()
	l.mu.Unlock()
	l.pollCancel()
	return nil
}

// release commits what is settled, leaves the group and closes the
// client; a transient group is deleted.
func (l *listener) release() {
	defer close(l.released)
	<-l.loopDone
	if !l.transient {
		close(l.commitStop)
		<-l.commitDone
		l.commit(nil)
	}
	l.cl.CloseAllowingRebalance()
	if l.transient {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := l.tr.adm.DeleteGroups(ctx, l.group); err != nil {
			l.log.Warn("cannot delete the transient group; the broker removes it once its session expires", zap.Error(err))
		}
	}
}

// Close stops intake and gives back every delivery still unsettled: a
// copy goes to the group's retry topic with its delivery count (so the
// next member sees the release as a delivery, as the transport contract
// asks), its offset is then committed, and settling it afterwards fails
// with ErrClosed. If the copy cannot be written, the offset stays
// uncommitted and the group reads the original again. Then the listener
// commits, leaves its group and closes its client. Idempotent.
func (l *listener) Close() error {
	l.closeOnce.Do(func() {
		_ = l.Stop()
		l.mu.Lock()
		l.givingBack = true
		var back []*delivery
		for d := range l.live {
			if d.handedOut && d.state == driverkit.Active {
				back = append(back, d)
				l.endLocked(d, driverkit.Released)
			}
		}
		l.mu.Unlock()
		l.giveBack(back)
		l.mu.Lock()
		l.givingBack = false
		l.maybeReleaseLocked()
		l.mu.Unlock()
		l.settled.Signal()
		// Deliveries being settled (a requeue or dead letter under way)
		// finish first; each is bounded by its context and the retry
		// policy.
		<-l.released
		l.tr.listeners.Remove(l)
	})
	return nil
}

// giveBack writes a copy of each of ds (already ended) to its retry topic
// with its delivery count, due now, and settles its offset once the copy
// is stored; a delivery numbered MaxDeliveries is dead-lettered instead
// (reason max_deliveries), as a lease running out would, so that a
// message whose handler never settles it (it hangs, or its process keeps
// being stopped) does not circulate forever. A transient group has no
// retry topic: its offsets are never committed anyway.
func (l *listener) giveBack(ds []*delivery) {
	if l.transient || len(ds) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() {
			rec := d.retryRecord(0)
			if l.cfg.MaxDeliveriesReached(d.count) {
				rec = d.deadLetterRecord(transport.DeadLetterInfo{Reason: transport.ReasonMaxDeliveries,
					LastError: "not settled before its listener gave it back (closed, or its partition was revoked)"})
			}
			if err := l.tr.produceClosing(ctx, rec); err != nil {
				l.log.Warn("cannot give a delivery back through the retry topic; the group reads the original again",
					zap.String("topic", d.rec.Topic), zap.Int32("partition", d.rec.Partition), zap.Int64("offset", d.rec.Offset), zap.Error(err))
				return
			}
			l.mu.Lock()
			l.settleOffsetLocked(d)
			l.mu.Unlock()
		})
	}
	wg.Wait()
}
