package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/transport"
)

// Bounds of the bare Kafka client.
const (
	// kafkaCommitEvery is how often the bare consumer commits what it
	// handled while it consumes (synchronously, between polls), as
	// librdkafka's and kgo's auto-commit do every 5s, only sooner; it
	// commits the rest when it stops.
	kafkaCommitEvery = time.Second
	// kafkaGroupGone bounds waiting for a group's members to leave
	// before it can be deleted.
	kafkaGroupGone = 10 * time.Second
)

// startPosition is where hark's and harkd's groups start: on Kafka, at
// the start of the round's fresh topics (listener.start: all), where the
// bare consumer starts too (ConsumeResetOffset(AtStart)). A pool starts
// with new notifications by default, and on Kafka the position of a
// group whose listener stopped before it committed anything is not kept:
// the backlog would be skipped. Elsewhere, the transport's default.
func (c *Config) startPosition() transport.StartPosition {
	if u, err := transport.ParseURL(c.URL); err == nil {
		if k, _ := kindOf(u); k == KindKafka {
			return transport.StartAllPosition
		}
	}
	return transport.StartPosition{}
}

// kafkaTopic is the Kafka topic of notifications of priority p on the
// round's topic, as oslo's kafka driver (and hark's) names it:
// "<topic>.<priority>", plus ".<virtual host>" when the URL has one. The
// exchange plays no part on Kafka.
func kafkaTopic(u *transport.URL, n names, p transport.Priority) string {
	t := n.topic + "." + string(p)
	if u.VirtualHost != "" {
		t += "." + u.VirtualHost
	}
	return t
}

// kafkaTopics are the topics of prios.
func kafkaTopics(u *transport.URL, n names, prios []transport.Priority) []string {
	ts := make([]string, len(prios))
	for i, p := range prios {
		ts[i] = kafkaTopic(u, n, p)
	}
	return ts
}

// ownedBy reports whether a topic or group name belongs to a round whose
// names are base: base appears in it as a whole, at the start or after a
// '.', and followed by its end, '.' or '_'. That covers the priorities'
// topics "<base>.<priority>", retry topics named after the group and the
// source topic ("hark.retry.<base>.<base>.info"), dead-letter topics, and
// pools "<base>_pool1"; and not the names of a round whose base merely
// starts the same ("..._hark1" and "..._hark10").
func ownedBy(name, base string) bool {
	for i := 0; ; {
		j := strings.Index(name[i:], base)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(base)
		before := at == 0 || name[at-1] == '.'
		after := end == len(name) || name[end] == '.' || name[end] == '_'
		if before && after {
			return true
		}
		i = at + 1
	}
}

// kafkaTarget is how the bare client reaches the brokers of a kafka://
// URL: every host as a seed broker, and TLS and SASL as the URL's oslo
// options ask (kafkaSecurity).
type kafkaTarget struct {
	u    *transport.URL
	opts []kgo.Opt
}

func parseKafkaTarget(u *transport.URL) (kafkaTarget, error) {
	var seeds []string
	for _, h := range u.Hosts {
		seeds = append(seeds, h.Addr(9092))
	}
	if len(seeds) == 0 {
		seeds = []string{"localhost:9092"}
	}
	sec, err := kafkaSecurity(u)
	if err != nil {
		return kafkaTarget{}, err
	}
	opts := append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, sec...)
	return kafkaTarget{u: u, opts: opts}, nil
}

// client opens a kgo client with the target's options and extra.
func (t kafkaTarget) client(extra ...kgo.Opt) (*kgo.Client, error) {
	cl, err := kgo.NewClient(append(append([]kgo.Opt{}, t.opts...), extra...)...)
	if err != nil {
		return nil, fmt.Errorf("bench: kafka client: %w", err)
	}
	return cl, nil
}

// delete removes every topic and consumer group of the round named n
// (ownedBy n.topic or n.exchange, which are the same base): the
// priorities' topics, whatever retry or dead-letter topics a listener
// made, the pools' groups. A group whose members are still leaving is
// retried for kafkaGroupGone.
func (t kafkaTarget) delete(ctx context.Context, n names) error {
	cl, err := t.client()
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var errs []error
	if err := deleteKafkaGroups(ctx, adm, n); err != nil {
		errs = append(errs, err)
	}
	if err := deleteKafkaTopics(ctx, adm, n); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bench: clean up %s: %w", n.topic, err)
	}
	return nil
}

func deleteKafkaTopics(ctx context.Context, adm *kadm.Client, n names) error {
	listed, err := adm.ListTopics(ctx)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	var mine []string
	for _, name := range listed.Names() {
		if ownedBy(name, n.topic) {
			mine = append(mine, name)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	rs, err := adm.DeleteTopics(ctx, mine...)
	if err != nil {
		return fmt.Errorf("delete topics: %w", err)
	}
	for _, r := range rs {
		if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			return fmt.Errorf("delete topic %s: %w", r.Topic, r.Err)
		}
	}
	return nil
}

func deleteKafkaGroups(ctx context.Context, adm *kadm.Client, n names) error {
	deadline := time.Now().Add(kafkaGroupGone)
	for {
		listed, err := adm.ListGroups(ctx)
		if err != nil {
			return fmt.Errorf("list groups: %w", err)
		}
		var mine []string
		for _, g := range listed.Groups() {
			if ownedBy(g, n.exchange) {
				mine = append(mine, g)
			}
		}
		if len(mine) == 0 {
			return nil
		}
		rs, err := adm.DeleteGroups(ctx, mine...)
		if err != nil {
			return fmt.Errorf("delete groups: %w", err)
		}
		var busy, failed []error
		for _, r := range rs {
			switch {
			case r.Err == nil, errors.Is(r.Err, kerr.GroupIDNotFound):
			case errors.Is(r.Err, kerr.NonEmptyGroup):
				busy = append(busy, fmt.Errorf("delete group %s: %w", r.Group, r.Err))
			default:
				failed = append(failed, fmt.Errorf("delete group %s: %w", r.Group, r.Err))
			}
		}
		if len(failed) > 0 || len(busy) == 0 {
			return errors.Join(failed...)
		}
		if time.Now().After(deadline) {
			return errors.Join(busy...)
		}
		select {
		case <-ctx.Done():
			return errors.Join(append(busy, ctx.Err())...)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// bareKafka is the baseline on Kafka: franz-go's kgo alone. It creates
// the round's topics with the broker's default partitions (as a broker
// auto-creates them), produces each notification with ProduceSync (no
// key, no headers, as oslo's driver does), and consumes with one kgo
// group consumer per group: PollRecords of at most the prefetch, each
// record decoded with encoding/json (recv), offsets committed
// synchronously with CommitUncommittedOffsets after the records of a
// poll were handled, at most every kafkaCommitEvery, and once more when
// it stops: at least once, like hark. A fresh group starts at the
// earliest offset, so it reads the backlog.
type bareKafka struct {
	t        kafkaTarget
	n        names
	recv     receiveFunc
	topics   []string
	prefetch int
	prod     *kgo.Client
}

func openBareKafka(_ context.Context, cfg *Config, t kafkaTarget, n names, recv receiveFunc) (*bareKafka, error) {
	prod, err := t.client(kgo.ProducerLinger(0))
	if err != nil {
		return nil, err
	}
	return &bareKafka{t: t, n: n, recv: recv, topics: kafkaTopics(t.u, n, cfg.priorities()),
		prefetch: cfg.Prefetch, prod: prod}, nil
}

func (b *bareKafka) prepare(ctx context.Context, _ []string) error {
	rs, err := kadm.NewClient(b.prod).CreateTopics(ctx, -1, -1, nil, b.topics...)
	if err == nil {
		for _, r := range rs {
			if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
				err = fmt.Errorf("topic %s: %w", r.Topic, r.Err)
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("bench: create topics: %w", err)
	}
	return nil
}

func (b *bareKafka) send(ctx context.Context, p transport.Priority, msg transport.Message) error {
	r := &kgo.Record{Topic: kafkaTopic(b.t.u, b.n, p), Value: msg.Body}
	if err := b.prod.ProduceSync(ctx, r).FirstErr(); err != nil {
		return fmt.Errorf("bench: produce: %w", err)
	}
	return nil
}

func (b *bareKafka) consume(ctx context.Context, groups []string, t *tally) (func(context.Context) error, error) {
	var (
		cls    []*kgo.Client
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed error
	)
	fail := func(err error) {
		mu.Lock()
		failed = errors.Join(failed, err)
		mu.Unlock()
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := func(ctx context.Context) error {
		cancel()
		wg.Wait()
		for _, cl := range cls {
			if err := cl.CommitUncommittedOffsets(ctx); err != nil {
				fail(fmt.Errorf("bench: commit: %w", err))
			}
			cl.Close() // leaves the group
		}
		mu.Lock()
		defer mu.Unlock()
		return failed
	}
	for _, g := range groups {
		cl, err := b.t.client(
			kgo.ConsumerGroup(g), kgo.ConsumeTopics(b.topics...),
			kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		)
		if err != nil {
			_ = stop(ctx)
			return nil, err
		}
		cls = append(cls, cl)
		wg.Go(func() {
			last := time.Now()
			for {
				fs := cl.PollRecords(pctx, b.prefetch)
				if fs.IsClientClosed() || pctx.Err() != nil {
					return
				}
				fs.EachError(func(topic string, p int32, err error) {
					fail(fmt.Errorf("bench: fetch %s[%d]: %w", topic, p, err))
				})
				fs.EachRecord(func(r *kgo.Record) {
					sent, err := b.recv(t, r.Value)
					if err != nil {
						fail(err)
						return
					}
					t.record(sent)
				})
				if time.Since(last) >= kafkaCommitEvery {
					if err := cl.CommitUncommittedOffsets(pctx); err != nil && pctx.Err() == nil {
						fail(fmt.Errorf("bench: commit: %w", err))
					}
					last = time.Now()
				}
			}
		})
	}
	return stop, nil
}

func (b *bareKafka) close(ctx context.Context) error {
	b.prod.Close()
	return b.t.delete(ctx, b.n)
}

// kafkaClient names the bare franz-go client and its version, doing
// what.
func kafkaClient(what string) string {
	return "franz-go " + moduleVersion("github.com/twmb/franz-go") + " kgo " + what
}
