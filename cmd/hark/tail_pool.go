package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkmq/hark/transport"
	hnats "github.com/harkmq/hark/transport/nats"
)

// privatePoolPrefix starts the name of every private tail pool, so an
// operator can tell (and clean up) what a tail that was killed left.
const privatePoolPrefix = "hark-tail-"

// privatePoolName returns a pool name no other listener uses.
func privatePoolName() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return privatePoolPrefix + hex.EncodeToString(b)
}

// removePoolTimeout bounds removing a private pool at exit.
const removePoolTimeout = 5 * time.Second

// removePrivatePool deletes what the broker keeps for a private tail pool
// once the tail is done with it. A pool outlives its listeners on durable
// brokers (a RabbitMQ queue, a JetStream durable consumer), and on NATS
// JetStream's interest-retention streams a forgotten consumer would keep
// every later notification of its subjects stored for good.
//
// The transport API has no way to drop a pool, so this reaches into the
// NATS driver: it deletes the durable consumers of the pool on each
// subject, found by the description the driver gives them. The memory
// broker ends with the process. RabbitMQ pool queues are not removed yet.
//
// TODO(issue 5): replace with a transport-level transient pool (JetStream
// InactiveThreshold, RabbitMQ auto-delete queue), which would also clean up
// after a tail that is killed.
func (a *app) removePrivatePool(tr transport.Transport, cfg transport.ListenConfig) {
	nt, ok := tr.(*hnats.Transport)
	if !ok || nt.Mode() != hnats.ModeJetStream {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), removePoolTimeout)
	defer cancel()
	if err := removeJetStreamPool(ctx, nt, cfg); err != nil {
		fmt.Fprintf(a.err, "hark tail: could not remove private pool %s; delete its JetStream consumers (described \"hark: pool %s on ...\") by hand: %v\n",
			cfg.Pool, cfg.Pool, err)
	}
}

// removeJetStreamPool deletes the consumers the NATS driver made for
// cfg.Pool on every subject cfg listens to.
func removeJetStreamPool(ctx context.Context, nt *hnats.Transport, cfg transport.ListenConfig) error {
	js, err := jetstream.New(nt.Conn())
	if err != nil {
		return err
	}
	cfg = cfg.WithDefaults(nt.DefaultExchange())
	// The driver describes a pool's consumer as "hark: pool <pool> on
	// <subject>"; exact matches cannot catch another pool's consumers.
	want := map[string]bool{}
	streams := map[string]bool{}
	for _, t := range cfg.Targets {
		for _, p := range cfg.Priorities {
			subject := t.Exchange + "." + t.Topic + "." + string(p)
			want["hark: pool "+cfg.Pool+" on "+subject] = true
			stream, err := js.StreamNameBySubject(ctx, subject)
			if err != nil {
				return fmt.Errorf("find the stream of %s: %w", subject, err)
			}
			streams[stream] = true
		}
	}
	var errs []error
	for stream := range streams {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		infos := s.ListConsumers(ctx)
		for ci := range infos.Info() {
			if want[ci.Config.Description] {
				if err := s.DeleteConsumer(ctx, ci.Name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
					errs = append(errs, fmt.Errorf("delete consumer %s: %w", ci.Name, err))
				}
			}
		}
		if err := infos.Err(); err != nil {
			errs = append(errs, fmt.Errorf("list consumers of %s: %w", stream, err))
		}
	}
	return errors.Join(errs...)
}
