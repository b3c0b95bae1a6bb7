package bench

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/harkmq/hark/transport"
	harknats "github.com/harkmq/hark/transport/nats"
)

// Transport kinds, as reports name them.
const (
	KindRabbit        = "rabbit"
	KindNATSJetStream = "nats-jetstream"
	KindNATSCore      = "nats-core"
	KindMemory        = "memory"
	KindKafka         = "kafka"
)

// ErrOsloUnavailable is wrapped when --oslo cannot run here: not RabbitMQ,
// not the drain scenario, or no oslo.messaging for Python.
var ErrOsloUnavailable = errors.New("the oslo.messaging peer cannot run")

// kindOf tells the transport kind of u.
func kindOf(u *transport.URL) (string, error) {
	switch u.Driver {
	case "rabbit", "amqp", "amqps", "kombu":
		return KindRabbit, nil
	case "nats":
		if m, _ := u.Option("mode"); strings.EqualFold(m, string(harknats.ModeCore)) {
			return KindNATSCore, nil
		}
		return KindNATSJetStream, nil
	case "memory", "fake":
		return KindMemory, nil
	case "kafka":
		return KindKafka, nil
	}
	return "", fmt.Errorf("%w: hark bench does not know transport %q", ErrInvalidConfig, u.Scheme)
}

// cleanupFunc removes what a hark side of round names n declared on the
// broker, through the side's own transport.
type cleanupFunc func(ctx context.Context, n names, tr transport.Transport) error

// bareKind is one kind of bare baseline: what it does with a body
// before it acks it.
type bareKind struct {
	// name is the contender's; work says what it does, for its client.
	name, work string
	recv       receiveFunc
}

// bareKinds are the bare baselines, run one after the other: "bare"
// decodes the oslo envelope and the message in it with encoding/json (the
// primary baseline), "bare-envelope" the envelope alone.
var bareKinds = []bareKind{
	{name: "bare", work: "decode", recv: bareReceive},
	{name: "bare-envelope", work: "envelope decode", recv: envelopeReceive},
}

// contendersFor returns who runs on u, in order: the bare baselines
// (unless turned off), oslo.messaging (when asked), hark, and harkd
// (when asked).
func contendersFor(cfg *Config, u *transport.URL, kind string) ([]contender, error) {
	var (
		bare    func(k bareKind) contender
		cleanup cleanupFunc
	)
	switch kind {
	case KindRabbit:
		rt, err := parseRabbitTarget(u)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		bare = func(k bareKind) contender {
			return contender{name: k.name, client: rabbitClient("consume+" + k.work + "+ack"), backlog: true,
				open: func(ctx context.Context, n names) (side, error) { return openBareRabbit(ctx, cfg, rt, n, k.recv) }}
		}
		// hark's Send declares the non-pooled queues too, as oslo's
		// notifier does, so they go with the pools' queues.
		cleanup = func(ctx context.Context, n names, _ transport.Transport) error {
			groups := n.groups()
			if len(n.pools) > 0 {
				groups = append(groups, "")
			}
			return rt.delete(ctx, n, groups)
		}
	case KindNATSJetStream:
		bare = func(k bareKind) contender {
			return contender{name: k.name, client: natsClient("jetstream Consume+" + k.work + "+ack"), backlog: true,
				open: func(ctx context.Context, n names) (side, error) { return openBareJetStream(ctx, cfg, u, n, k.recv) }}
		}
		cleanup = func(ctx context.Context, n names, tr transport.Transport) error {
			nt, ok := tr.(*harknats.Transport)
			if !ok {
				return nil
			}
			return deleteStream(ctx, nt.Conn(), harknats.StreamName(n.exchange))
		}
	case KindNATSCore:
		bare = func(k bareKind) contender {
			return contender{name: k.name, client: natsClient("QueueSubscribe+" + k.work),
				open: func(ctx context.Context, n names) (side, error) { return openBareCore(ctx, cfg, u, n, k.recv) }}
		}
	case KindKafka:
		kt, err := parseKafkaTarget(u)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		bare = func(k bareKind) contender {
			return contender{name: k.name, client: kafkaClient("group consumer: PollRecords+" + k.work + "+commit"), backlog: true,
				open: func(ctx context.Context, n names) (side, error) { return openBareKafka(ctx, cfg, kt, n, k.recv) }}
		}
		// hark's listener may have made retry or dead-letter topics
		// besides the priorities' (a drain never requeues, but a driver
		// may make them up front): every topic and group of the round
		// goes.
		cleanup = func(ctx context.Context, n names, _ transport.Transport) error { return kt.delete(ctx, n) }
	case KindMemory:
		bare = func(k bareKind) contender {
			return contender{name: k.name, client: "hark memory transport Next+" + k.work + "+Ack loop", backlog: true,
				open: func(ctx context.Context, n names) (side, error) { return openBareMemory(ctx, cfg, n, k.recv) }}
		}
	}
	openHarkSide := func(ctx context.Context, n names) (*harkSide, error) {
		return openHark(ctx, cfg, n, cleanup)
	}
	backlog := bare(bareKinds[0]).backlog

	var cs []contender
	if cfg.Baseline {
		for _, k := range bareKinds {
			cs = append(cs, bare(k))
		}
	}
	if cfg.Oslo {
		if kind != KindRabbit || cfg.Scenario != Drain {
			return nil, fmt.Errorf("%w: it runs in the drain scenario on RabbitMQ only", ErrOsloUnavailable)
		}
		cs = append(cs, contender{name: "oslo", client: "oslo.messaging " + osloVersion(cfg.Python) + " threading executor", backlog: true,
			open: func(ctx context.Context, n names) (side, error) {
				h, err := openHarkSide(ctx, n)
				if err != nil {
					return nil, err
				}
				return &osloSide{harkSide: h}, nil
			}})
	}
	harkClient := "hark " + harkVersion() + " notify.Listener"
	if cfg.Batch > 0 {
		harkClient = "hark " + harkVersion() + " notify.BatchListener"
	}
	cs = append(cs, contender{name: "hark", client: harkClient, hark: true, backlog: backlog,
		open: func(ctx context.Context, n names) (side, error) { return openHarkSide(ctx, n) }})
	if cfg.Harkd.Path != "" {
		if kind == KindMemory {
			return nil, fmt.Errorf("%w: harkd: %w", ErrInvalidConfig, errHarkdMemory)
		}
		cs = append(cs, contender{name: "harkd", client: harkdClient(cfg), hark: true, backlog: backlog,
			open: func(ctx context.Context, n names) (side, error) { return openHarkd(ctx, cfg, n, cleanup) }})
	}
	return cs, nil
}

// harkVersion is the version of hark this binary was built from.
func harkVersion() string {
	if v := moduleVersion(""); v != "" {
		return v
	}
	return "(devel)"
}

// osloVersion asks python for oslo.messaging's version ("" if it cannot).
func osloVersion(python string) string {
	out, err := exec.Command(python, "-c", "from importlib.metadata import version; print(version('oslo.messaging'))").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
