package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkmq/hark/transport"
	harknats "github.com/harkmq/hark/transport/nats"
)

// natsSubject is hark's subject for notifications of priority p:
// "<exchange>.<topic>.<priority>"; the bare clients use the same scheme on
// their own exchange.
func natsSubject(n names, p transport.Priority) string {
	return n.exchange + "." + n.topic + "." + string(p)
}

// natsFilter is the subject a bare client consumes to get prios: the one
// subject of a single priority, else "<exchange>.<topic>.*", which on the
// bare client's own stream matches the seven priority subjects of the
// topic and nothing else (the benchmark's topics have no dots).
func natsFilter(n names, prios []transport.Priority) string {
	if len(prios) == 1 {
		return natsSubject(n, prios[0])
	}
	return n.exchange + "." + n.topic + ".*"
}

// natsStorage is the stream storage the URL asks for (file by default).
func natsStorage(u *transport.URL) jetstream.StorageType {
	if s, _ := u.Option("storage"); strings.EqualFold(s, "memory") {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}

// deleteStream removes the stream of exchange, which takes its consumers
// and any messages left with it.
func deleteStream(ctx context.Context, nc *natsgo.Conn, name string) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("bench: clean up: %w", err)
	}
	if err := js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("bench: clean up stream %s: %w", name, err)
	}
	return nil
}

// bareJetStream is the baseline on NATS JetStream: nats.go's jetstream
// package alone. It makes a stream like hark's (limits retention, the
// URL's storage) with one durable consumer per group, publishes with a
// stream ack per message, and consumes with Consume at the same prefetch
// (PullMaxMessages), decoding each body with encoding/json (recv) and
// acking each message. Each group's consumer filters on every priority
// the run consumes (natsFilter).
type bareJetStream struct {
	nc      *natsgo.Conn
	js      jetstream.JetStream
	n       names
	recv    receiveFunc
	filter  string
	storage jetstream.StorageType
	// prefetch is the pull buffer of Consume.
	prefetch int
	stream   string
	cons     map[string]jetstream.Consumer
}

func openBareJetStream(ctx context.Context, cfg *Config, u *transport.URL, n names, recv receiveFunc) (*bareJetStream, error) {
	nc, err := harknats.Dial(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bench: %w", err)
	}
	return &bareJetStream{nc: nc, js: js, n: n, recv: recv, filter: natsFilter(n, cfg.priorities()),
		storage: natsStorage(u), prefetch: cfg.Prefetch,
		stream: "HARKBENCH_" + n.exchange, cons: map[string]jetstream.Consumer{}}, nil
}

func (b *bareJetStream) prepare(ctx context.Context, groups []string) error {
	_, err := b.js.CreateStream(ctx, jetstream.StreamConfig{
		Name: b.stream, Subjects: []string{b.n.exchange + ".>"},
		Retention: jetstream.LimitsPolicy, Storage: b.storage,
	})
	if err != nil {
		return fmt.Errorf("bench: create stream %s: %w", b.stream, err)
	}
	for _, g := range groups {
		name := "bare_all"
		if g != "" {
			name = "bare_pool_" + g
		}
		c, err := b.js.CreateConsumer(ctx, b.stream, jetstream.ConsumerConfig{
			Durable: name, FilterSubject: b.filter,
			AckPolicy: jetstream.AckExplicitPolicy, AckWait: transport.DefaultLease,
		})
		if err != nil {
			return fmt.Errorf("bench: create consumer %s: %w", name, err)
		}
		b.cons[g] = c
	}
	return nil
}

func (b *bareJetStream) send(ctx context.Context, p transport.Priority, msg transport.Message) error {
	m := &natsgo.Msg{Subject: natsSubject(b.n, p), Data: msg.Body, Header: natsgo.Header{}}
	m.Header.Set(natsgo.MsgIdHdr, msg.ID)
	if _, err := b.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("bench: publish: %w", err)
	}
	return nil
}

func (b *bareJetStream) consume(_ context.Context, groups []string, t *tally) (func(context.Context) error, error) {
	var (
		ccs     []jetstream.ConsumeContext
		failed  error
		failMu  sync.Mutex
		handler = func(m jetstream.Msg) {
			sent, err := b.recv(t, m.Data())
			if err == nil {
				err = m.Ack()
			}
			if err != nil {
				failMu.Lock()
				failed = errors.Join(failed, err)
				failMu.Unlock()
				return
			}
			t.record(sent)
		}
	)
	stop := func(context.Context) error {
		for _, cc := range ccs {
			cc.Stop()
			<-cc.Closed()
		}
		failMu.Lock()
		defer failMu.Unlock()
		return failed
	}
	for _, g := range groups {
		cc, err := b.cons[g].Consume(handler, jetstream.PullMaxMessages(b.prefetch))
		if err != nil {
			_ = stop(context.Background())
			return nil, fmt.Errorf("bench: consume: %w", err)
		}
		ccs = append(ccs, cc)
	}
	return stop, nil
}

func (b *bareJetStream) close(ctx context.Context) error {
	defer b.nc.Close()
	return deleteStream(ctx, b.nc, b.stream)
}

// bareCore is the baseline on core NATS: a nats.go queue subscription
// per group on every priority the run consumes (natsFilter), decoding
// each message with encoding/json (recv); sends publish and flush, as
// hark's core Send does.
type bareCore struct {
	nc     *natsgo.Conn
	n      names
	recv   receiveFunc
	filter string
}

func openBareCore(ctx context.Context, cfg *Config, u *transport.URL, n names, recv receiveFunc) (*bareCore, error) {
	nc, err := harknats.Dial(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return &bareCore{nc: nc, n: n, recv: recv, filter: natsFilter(n, cfg.priorities())}, nil
}

func (b *bareCore) prepare(context.Context, []string) error { return nil }

func (b *bareCore) send(ctx context.Context, p transport.Priority, msg transport.Message) error {
	if err := b.nc.Publish(natsSubject(b.n, p), msg.Body); err != nil {
		return fmt.Errorf("bench: publish: %w", err)
	}
	if err := flush(ctx, b.nc); err != nil {
		return fmt.Errorf("bench: flush: %w", err)
	}
	return nil
}

func (b *bareCore) consume(ctx context.Context, groups []string, t *tally) (func(context.Context) error, error) {
	var subs []*natsgo.Subscription
	stop := func(context.Context) error {
		var errs []error
		for _, s := range subs {
			errs = append(errs, s.Unsubscribe())
		}
		return errors.Join(errs...)
	}
	for _, g := range groups {
		q := "bare_all"
		if g != "" {
			q = "bare_pool_" + g
		}
		s, err := b.nc.QueueSubscribe(b.filter, q, func(m *natsgo.Msg) {
			sent, err := b.recv(t, m.Data)
			if err != nil {
				return // counted as lost: the run stalls and says so
			}
			t.record(sent)
		})
		if err != nil {
			_ = stop(ctx)
			return nil, fmt.Errorf("bench: subscribe: %w", err)
		}
		subs = append(subs, s)
	}
	if err := b.nc.FlushTimeout(flushTimeout); err != nil {
		_ = stop(ctx)
		return nil, fmt.Errorf("bench: subscribe: %w", err)
	}
	return stop, nil
}

func (b *bareCore) close(context.Context) error {
	b.nc.Close()
	return nil
}

// flushTimeout bounds a flush whose context has no deadline.
const flushTimeout = 10 * time.Second

// flush waits for the server to have everything published on nc, as
// hark's core Send does, within ctx or flushTimeout.
func flush(ctx context.Context, nc *natsgo.Conn) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, flushTimeout)
		defer cancel()
	}
	return nc.FlushWithContext(ctx)
}

// natsClient names the bare nats.go client and its version.
func natsClient(what string) string {
	return "nats.go " + moduleVersion("github.com/nats-io/nats.go") + " " + what
}
