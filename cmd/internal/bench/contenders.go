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
	}
	return "", fmt.Errorf("%w: hark bench does not know transport %q", ErrInvalidConfig, u.Scheme)
}

// cleanupFunc removes what a hark side of round names n declared on the
// broker, through the side's own transport.
type cleanupFunc func(ctx context.Context, n names, tr transport.Transport) error

// contendersFor returns who runs on u, in order: the bare baseline
// (unless turned off), oslo.messaging (when asked), and hark.
func contendersFor(cfg *Config, u *transport.URL, kind string) ([]contender, error) {
	var (
		bare    contender
		cleanup cleanupFunc
	)
	switch kind {
	case KindRabbit:
		rt, err := parseRabbitTarget(u)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		bare = contender{name: "bare", client: rabbitClient(), backlog: true,
			open: func(ctx context.Context, n names) (side, error) { return openBareRabbit(ctx, rt, n, cfg.Prefetch) }}
		// hark's Send declares the non-pooled queue too, as oslo's
		// notifier does, so it goes with the pools' queues.
		cleanup = func(ctx context.Context, n names, _ transport.Transport) error {
			groups := n.groups()
			if len(n.pools) > 0 {
				groups = append(groups, "")
			}
			return rt.delete(ctx, n, groups)
		}
	case KindNATSJetStream:
		bare = contender{name: "bare", client: natsClient("jetstream Consume+decode+ack"), backlog: true,
			open: func(ctx context.Context, n names) (side, error) { return openBareJetStream(ctx, u, n, cfg.Prefetch) }}
		cleanup = func(ctx context.Context, n names, tr transport.Transport) error {
			nt, ok := tr.(*harknats.Transport)
			if !ok {
				return nil
			}
			return deleteStream(ctx, nt.Conn(), harknats.StreamName(n.exchange))
		}
	case KindNATSCore:
		bare = contender{name: "bare", client: natsClient("QueueSubscribe+decode"),
			open: func(ctx context.Context, n names) (side, error) { return openBareCore(ctx, u, n) }}
	case KindMemory:
		bare = contender{name: "bare", client: "hark memory transport Next+decode+Ack loop", backlog: true,
			open: func(ctx context.Context, n names) (side, error) { return openBareMemory(ctx, cfg, n) }}
	}
	openHarkSide := func(ctx context.Context, n names) (*harkSide, error) {
		return openHark(ctx, cfg, n, cleanup)
	}

	var cs []contender
	if cfg.Baseline {
		cs = append(cs, bare)
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
	return append(cs, contender{name: "hark", client: harkClient, backlog: bare.backlog,
		open: func(ctx context.Context, n names) (side, error) { return openHarkSide(ctx, n) }}), nil
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
