package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// Consumer metadata keys: what the transport records on the consumers it
// makes, so it can find a group's consumers of other shapes.
const (
	metaGroup = "hark.group" // groupTag(pool)
	metaShape = "hark.shape" // "<n> topics × <m> priorities", for operators
)

// consumerConfig is the durable pull consumer of one group (a pool, or
// the non-pooled group when cfg.Pool is "") on one shape. Its start
// (DeliverPolicy) is filled in by createConsumer.
//
//   - AckWait is the lease.
//   - MaxDeliver is unlimited: the listener enforces MaxDeliveries itself
//     (a requeue of the last allowed delivery, or the first delivery past
//     it, which only a lease expiry produces, is dead-lettered), so a
//     message whose dead-letter publish fails is retried, never dropped by
//     the server.
//   - MaxAckPending caps the whole group (all members, delayed requeues
//     included); each listener's own bound is its Prefetch.
//   - InactiveThreshold: the server removes the consumer once no member
//     has asked for messages for that long (see WithInactiveThreshold);
//     a transient pool's goes soon after its process.
func (t *Transport) consumerConfig(cfg transport.ListenConfig, s shape) jetstream.ConsumerConfig {
	group := "the non-pooled group"
	if cfg.Pool != "" {
		group = "pool " + cfg.Pool
		if cfg.Transient {
			group = "transient pool " + cfg.Pool
		}
	}
	what := fmt.Sprintf("%d topics × %d priorities", len(s.topics), len(s.priorities))
	desc := "hark: " + group + " on " + s.exchange + ": " + describeShape(s)
	inactive := t.cfg.inactiveThreshold()
	if cfg.Transient {
		inactive = DefaultTransientInactiveThreshold
	}
	cc := jetstream.ConsumerConfig{
		Durable:           consumerName(cfg.Pool, s, cfg.Transient),
		Description:       desc,
		AckPolicy:         jetstream.AckExplicitPolicy,
		AckWait:           cfg.Lease,
		MaxDeliver:        -1,
		MaxAckPending:     t.cfg.maxAckPending,
		InactiveThreshold: inactive,
		Metadata:          map[string]string{metaGroup: groupTag(cfg.Pool), metaShape: what},
	}
	if f := s.filters(); len(f) == 1 {
		cc.FilterSubject = f[0]
	} else {
		cc.FilterSubjects = f
	}
	return cc
}

// describeShape names a shape for a consumer's description, shortened
// for shapes of many topics.
func describeShape(s shape) string {
	topics := strings.Join(s.topics, ",")
	if len(s.topics) > 3 {
		topics = strings.Join(s.topics[:3], ",") + fmt.Sprintf(",… (%d topics)", len(s.topics))
	}
	prios := "every priority"
	if !s.allPriorities() {
		ps := make([]string, len(s.priorities))
		for i, p := range s.priorities {
			ps[i] = string(p)
		}
		prios = strings.Join(ps, ",")
	}
	return topics + " (" + prios + ")"
}

// ensureConsumer returns the consumer of cfg's group on shape s, making it
// when the group has none for this shape yet (a passive listener makes no
// stream, and makes the consumer only over stored messages: see
// holdsMessages); resumeAt, when not 0, is
// the stream sequence a consumer made again for a running listener
// starts at (see createConsumer). An existing one whose lease
// or limits differ from what this listener asks is updated (the last
// member to start sets them); one that cannot be updated is used as it is.
func (t *Transport) ensureConsumer(ctx context.Context, cfg transport.ListenConfig, s shape, resumeAt uint64) (string, jetstream.Consumer, error) {
	var stream string
	var err error
	if cfg.Passive {
		stream, err = t.existingStream(ctx, s.exchange)
	} else {
		stream, err = t.ensureStream(ctx, s.exchange)
	}
	if err != nil {
		return "", nil, err
	}
	want := t.consumerConfig(cfg, s)
	c, err := t.lookupConsumer(ctx, stream, want.Durable)
	switch {
	case err == nil:
		return stream, t.updateConsumer(ctx, stream, c, want), nil
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return "", nil, fmt.Errorf("nats: look up consumer %s on stream %s: %w", want.Durable, stream, err)
	}
	if cfg.Passive {
		if err := t.holdsMessages(ctx, stream, s.filters()); err != nil {
			return "", nil, fmt.Errorf("%w, and %s has no consumer there", err, groupDescription(cfg.Pool))
		}
	}
	c, err = t.createConsumer(ctx, stream, cfg, s, want, resumeAt)
	if err != nil {
		return "", nil, err
	}
	return stream, c, nil
}

// lookupConsumer asks for the consumer durable of stream, one attempt
// bounded by apiAttemptTimeout, again after a timeout or a lost leader
// (a consumer whose leader is moving can leave a request unanswered)
// until ctx ends, or three times when ctx has no deadline. A consumer
// that does not exist is answered at once (jetstream.ErrConsumerNotFound).
func (t *Transport) lookupConsumer(ctx context.Context, stream, durable string) (jetstream.Consumer, error) {
	p := transport.RetryPolicy{AttemptTimeout: apiAttemptTimeout, Backoff: transport.Backoff{Start: 100 * time.Millisecond, Step: 400 * time.Millisecond, Max: 2 * time.Second}}
	if _, ok := ctx.Deadline(); !ok {
		p.Attempts = 3
	}
	var c jetstream.Consumer
	err := transport.Retry(ctx, p, func(ctx context.Context) error {
		var err error
		c, err = t.js.Consumer(ctx, stream, durable)
		if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
			return transport.Permanent(err)
		}
		return err
	}, func(ri transport.RetryInfo) {
		t.log.Debug("nats: consumer lookup retried", zap.String("consumer", durable), zap.String("stream", stream),
			zap.Int("attempt", ri.Attempt), zap.Error(ri.Err))
	})
	return c, err
}

// apiAttemptTimeout bounds one JetStream API request that Listen retries:
// jetstream's own default request timeout.
const apiAttemptTimeout = 5 * time.Second

// existingStream returns the name of exchange's stream, making nothing,
// for a passive listener (transport.ListenConfig.Passive); a missing one
// is an error wrapping transport.ErrExchangeNotFound.
func (t *Transport) existingStream(ctx context.Context, exchange string) (string, error) {
	name := StreamName(exchange)
	_, err := t.js.Stream(ctx, name)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return "", fmt.Errorf("%w: exchange %q has no stream %s", transport.ErrExchangeNotFound, exchange, name)
	case err != nil:
		return "", fmt.Errorf("nats: look up stream %s: %w", name, err)
	}
	return name, nil
}

// holdsMessages returns nil when stream holds a message on one of
// filters, else an error wrapping transport.ErrNotFound. A passive
// listener makes its group's consumer only then: the consumer is where
// the group's progress over those messages is kept (what hark dlq replay
// removed), and nothing else would make it.
func (t *Transport) holdsMessages(ctx context.Context, stream string, filters []string) error {
	st, err := t.js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("nats: look up stream %s: %w", stream, err)
	}
	for _, f := range filters {
		info, err := st.Info(ctx, jetstream.WithSubjectFilter(f))
		if err != nil {
			return fmt.Errorf("nats: count messages on %s in stream %s: %w", f, stream, err)
		}
		if len(info.State.Subjects) > 0 {
			return nil
		}
	}
	return fmt.Errorf("%w: stream %s holds nothing on %s", transport.ErrNotFound, stream, strings.Join(filters, ", "))
}

// groupDescription names a group in messages.
func groupDescription(pool string) string {
	if pool == "" {
		return "the non-pooled group"
	}
	return "pool " + pool
}

// updateConsumer brings c's updatable settings to want's.
func (t *Transport) updateConsumer(ctx context.Context, stream string, c jetstream.Consumer, want jetstream.ConsumerConfig) jetstream.Consumer {
	got := c.CachedInfo().Config
	if got.AckWait == want.AckWait && got.MaxAckPending == want.MaxAckPending &&
		got.InactiveThreshold == want.InactiveThreshold && got.Description == want.Description {
		return c
	}
	upd := got
	upd.AckWait, upd.MaxAckPending, upd.InactiveThreshold, upd.Description = want.AckWait, want.MaxAckPending, want.InactiveThreshold, want.Description
	if upd.Metadata == nil {
		upd.Metadata = want.Metadata
	}
	nc, err := t.js.UpdateConsumer(ctx, stream, upd)
	if err != nil {
		t.log.Warn("nats: using an existing consumer that could not be updated to this listener's settings",
			zap.String("stream", stream), zap.String("consumer", got.Durable), zap.Error(err))
		return c
	}
	return nc
}

// createConsumer makes the consumer of a group on a new shape. Where it
// starts:
//
//   - When the group already has consumers on this stream whose subjects
//     overlap s (the same listeners before a config change, or other
//     members during a rolling one), the new consumer starts after the
//     earliest of their acknowledgement floors, so the change loses
//     nothing; what came after a floor and was acknowledged anyway is
//     delivered again (at least once). Those whose subjects the new shape
//     all covers (a topic or priority added) are removed when no member
//     holds a request or an unacknowledged message on them; the others
//     (a shape that shrank, or another shape still in use) stay, and
//     their inactive threshold removes them once unused.
//   - A consumer made again for a running listener whose consumer
//     vanished (an operator deleted it) starts at resumeAt: the earliest
//     message the listener still holds, or the one after the last it
//     received, rather than replaying all the stream retains.
//   - Otherwise where cfg.Start says; by default the non-pooled group
//     starts with everything the stream retains (what was sent before it
//     listened, as oslo's notifier keeps it in the queue it declares) and
//     a pool with new notifications. A transient pool always starts new.
func (t *Transport) createConsumer(ctx context.Context, stream string, cfg transport.ListenConfig, s shape, want jetstream.ConsumerConfig, resumeAt uint64) (jetstream.Consumer, error) {
	var preds []*jetstream.ConsumerInfo
	if !cfg.Transient {
		var err error
		if preds, err = t.predecessors(ctx, stream, cfg.Pool, s.filters()); err != nil {
			return nil, err
		}
	}
	setStart(&want, cfg, preds, resumeAt)
	c, err := t.createFresh(ctx, stream, want)
	if errors.Is(err, jetstream.ErrConsumerExists) {
		// Another member made it first, with another start: join it.
		c, err = t.js.Consumer(ctx, stream, want.Durable)
	}
	if err != nil {
		return nil, fmt.Errorf("nats: create consumer %s on stream %s: %w", want.Durable, stream, err)
	}
	t.log.Info("nats: made a consumer for a new group or shape",
		zap.String("stream", stream), zap.String("consumer", want.Durable), zap.String("description", want.Description),
		zap.String("deliver", want.DeliverPolicy.String()), zap.Uint64("start_seq", want.OptStartSeq), zap.Int("predecessors", len(preds)))
	for _, p := range preds {
		if filtersCover(consumerFilters(want), consumerFilters(p.Config)) {
			t.retire(ctx, stream, p)
		}
	}
	return c, nil
}

// staleRetries bounds how often createFresh makes a consumer again that
// the server gave a stale state.
const staleRetries = 5

// createFresh creates the consumer want describes. nats-server 2.15 can
// give a durable consumer made again right after one of the same name was
// deleted the deleted one's last saved state, which overrides its start
// (a listener whose consumer an operator deleted would replay what it had
// handled); a consumer that starts at a sequence but reports having
// delivered less than what comes before it is such a one, and is deleted
// and made again after a pause.
func (t *Transport) createFresh(ctx context.Context, stream string, want jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	for attempt := 1; ; attempt++ {
		c, err := t.js.CreateConsumer(ctx, stream, want)
		if err != nil || want.DeliverPolicy != jetstream.DeliverByStartSequencePolicy {
			return c, err
		}
		got := c.CachedInfo().Delivered.Stream
		if got+1 >= want.OptStartSeq || attempt == staleRetries {
			return c, nil
		}
		t.log.Warn("nats: the server gave a consumer made again a stale state; making it again",
			zap.String("stream", stream), zap.String("consumer", want.Durable),
			zap.Uint64("start_seq", want.OptStartSeq), zap.Uint64("delivered_seq", got))
		if err := t.js.DeleteConsumer(ctx, stream, want.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, err
		}
		if err := transport.Sleep(ctx, time.Duration(attempt)*250*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// setStart fills in where a new consumer starts; see createConsumer.
func setStart(cc *jetstream.ConsumerConfig, cfg transport.ListenConfig, preds []*jetstream.ConsumerInfo, resumeAt uint64) {
	var floor uint64
	for i, p := range preds {
		if f := p.AckFloor.Stream; i == 0 || f < floor {
			floor = f
		}
	}
	switch {
	case len(preds) > 0:
		// A floor of 0 (the group acknowledged nothing yet, or its acks
		// are still on their way) starts at the stream's first message:
		// at least once, never a pool's DeliverNew past what it missed.
		cc.DeliverPolicy, cc.OptStartSeq = jetstream.DeliverByStartSequencePolicy, floor+1
	case resumeAt > 0:
		cc.DeliverPolicy, cc.OptStartSeq = jetstream.DeliverByStartSequencePolicy, resumeAt
	case cfg.Transient:
		cc.DeliverPolicy = jetstream.DeliverNewPolicy
	case cfg.Start.Policy == transport.StartAll:
		cc.DeliverPolicy = jetstream.DeliverAllPolicy
	case cfg.Start.Policy == transport.StartTime:
		at := cfg.Start.Time
		cc.DeliverPolicy, cc.OptStartTime = jetstream.DeliverByStartTimePolicy, &at
	case cfg.Start.Policy == transport.StartNew:
		cc.DeliverPolicy = jetstream.DeliverNewPolicy
	case cfg.Pool == "":
		cc.DeliverPolicy = jetstream.DeliverAllPolicy
	default:
		cc.DeliverPolicy = jetstream.DeliverNewPolicy
	}
}

// predecessors lists the group's other consumers on stream whose filters
// overlap filters: those made for the group's earlier shapes by this
// transport (found by their metadata) or by an earlier hark, which made
// one consumer per subject (found by their description).
func (t *Transport) predecessors(ctx context.Context, stream, pool string, filters []string) ([]*jetstream.ConsumerInfo, error) {
	st, err := t.js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("nats: look up stream %s: %w", stream, err)
	}
	var out []*jetstream.ConsumerInfo
	list := st.ListConsumers(ctx)
	for ci := range list.Info() {
		if sameGroup(ci.Config, pool) && filtersOverlap(consumerFilters(ci.Config), filters) {
			out = append(out, ci)
		}
	}
	if err := list.Err(); err != nil {
		return nil, fmt.Errorf("nats: list the consumers of stream %s: %w", stream, err)
	}
	return out, nil
}

// sameGroup reports whether a consumer was made for the group of pool.
func sameGroup(cc jetstream.ConsumerConfig, pool string) bool {
	if g, ok := cc.Metadata[metaGroup]; ok {
		return g == groupTag(pool)
	}
	// An earlier hark: "hark: the non-pooled group on <subject>" or
	// "hark: pool <pool> on <subject>".
	if pool == "" {
		return strings.HasPrefix(cc.Description, "hark: the non-pooled group on ")
	}
	return strings.HasPrefix(cc.Description, "hark: pool "+pool+" on ")
}

func consumerFilters(cc jetstream.ConsumerConfig) []string {
	if cc.FilterSubject != "" {
		return []string{cc.FilterSubject}
	}
	return cc.FilterSubjects
}

// retire deletes a predecessor that no member uses: no pull request
// waiting and nothing delivered unacknowledged. One still in use stays;
// its inactive threshold removes it once its members are gone.
func (t *Transport) retire(ctx context.Context, stream string, p *jetstream.ConsumerInfo) {
	log := t.log.With(zap.String("stream", stream), zap.String("consumer", p.Name))
	c, err := t.js.Consumer(ctx, stream, p.Name)
	if err != nil {
		return
	}
	info, err := c.Info(ctx)
	if err != nil || info.NumWaiting > 0 || info.NumAckPending > 0 {
		log.Info("nats: a consumer of the group's earlier shape is still in use; leaving it (its inactive threshold removes it once unused)")
		return
	}
	if err := t.js.DeleteConsumer(ctx, stream, p.Name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		log.Warn("nats: cannot remove the consumer of the group's earlier shape", zap.Error(err))
		return
	}
	log.Info("nats: removed the consumer of the group's earlier shape; the new one starts where it had got to")
}

// deleteTransient removes a transient pool's consumer when its listener
// closes; the inactive threshold is the net for a process that dies.
func (t *Transport) deleteTransient(stream, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.js.DeleteConsumer(ctx, stream, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.log.Warn("nats: cannot remove a transient pool's consumer; the server removes it once unused",
			zap.String("stream", stream), zap.String("consumer", name), zap.Duration("after", DefaultTransientInactiveThreshold), zap.Error(err))
	}
}

// consumerIsGone reports whether err says, for certain, that the consumer
// does not exist (as opposed to a server that cannot answer now, as
// during a leader election).
func consumerIsGone(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrConsumerDeleted)
}
