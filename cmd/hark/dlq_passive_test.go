package main

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// objects describes what the broker of b holds that a dlq command on
// b's exchange or on exchange other could make: the streams and their
// consumers (NATS), the exchanges and queues (RabbitMQ), the queues a
// listener could read (memory, which has no way to list them).
func (b *broker) objects(t *testing.T, other string) []string {
	t.Helper()
	ctx := testutil.Within(t, 10*time.Second)
	var out []string
	switch b.name {
	case "nats":
		js, err := jetstream.New(natsConn(t, b.tr))
		require.NoError(t, err)
		names := js.StreamNames(ctx)
		for n := range names.Name() {
			out = append(out, "stream "+n)
			s, err := js.Stream(ctx, n)
			require.NoError(t, err)
			cs := s.ConsumerNames(ctx)
			for c := range cs.Name() {
				out = append(out, "consumer "+n+"/"+c)
			}
			require.NoError(t, cs.Err())
		}
		require.NoError(t, names.Err())
	case "rabbit":
		for _, e := range rabbitExists(t, b.url, "exchange", b.exchange, other) {
			out = append(out, "exchange "+e)
		}
		for _, q := range rabbitExists(t, b.url, "queue", b.rabbitQueues()...) {
			out = append(out, "queue "+q)
		}
	case "kafka":
		out = kafkaState(t, b.url)
	case "memory":
		for _, ex := range []string{b.exchange, other} {
			for _, topic := range []string{b.topic, b.topic + transport.DeadLetterSuffix} {
				l, err := b.tr.Listen(ctx, transport.ListenConfig{
					Targets: []target.Target{{Exchange: ex, Topic: topic}}, Priorities: transport.Priorities(), Passive: true,
				})
				switch {
				case err == nil:
					_ = l.Close()
					out = append(out, "queues of "+ex+"/"+topic)
				case !errors.Is(err, transport.ErrNotFound) && !errors.Is(err, transport.ErrExchangeNotFound):
					require.NoError(t, err)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestDLQ_inspecting_changes_nothing: dlq list and dlq replay make no
// exchange, stream, queue or consumer. On an exchange that does not exist
// (a typo) they fail and say so; on one where nothing was dead-lettered
// they say that, and exit 0.
func TestDLQ_inspecting_changes_nothing(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b *broker) {
		ctx := testutil.Within(t, 60*time.Second)
		n := hark(t, ctx, "", append([]string{"notify"}, b.flags()...)...)
		require.Equal(t, exitOK, n.code, n.err)
		typo := b.exchange + "-typo"
		before := b.objects(t, typo)
		require.NotEmpty(t, before, "the notification made its exchange")

		for _, verb := range [][]string{{"dlq", "list"}, {"dlq", "replay"}, {"dlq", "replay", "--dry-run"}} {
			// Kafka has no exchanges: topic names leave the exchange
			// out, as oslo's kafka driver does, so there is no typo of
			// one to catch.
			if b.name != "kafka" {
				r := hark(t, ctx, "", append(verb, "--url", b.url, "--exchange", typo, "--topic", b.topic, "--wait", "200ms")...)
				assert.Equal(t, exitError, r.code, "%v --exchange %s: %s", verb, typo, r.err)
				assert.Contains(t, r.err, fmt.Sprintf("hark: no dead letters for exchange %q: the exchange does not exist on the broker", typo), "%v", verb)
				assert.Empty(t, r.out)
			}

			r := hark(t, ctx, "", append(verb, append(b.flags(), "--wait", "200ms")...)...)
			assert.Equal(t, exitOK, r.code, "%v: %s", verb, r.err)
			assert.Contains(t, r.err, "0 dead letters")
			assert.Contains(t, r.err, "hark: nothing was ever dead-lettered there: ", "%v", verb)

			assert.Equal(t, before, b.objects(t, typo), "%v made or removed something", verb)
		}
	})
}
