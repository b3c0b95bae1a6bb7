package main

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/harkmq/hark/cmd/internal/record"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// tailFlags are the flags of hark tail, as given.
type tailFlags struct {
	exchange   string
	topics     []string
	pool       string
	nonPooled  bool
	priorities []string
	filter     filterFlags
	count      int
}

// tailRequest is what hark tail listens to, checked.
type tailRequest struct {
	targets   []target.Target
	prios     []transport.Priority
	pool      string // "" = a private pool, unless nonPooled
	nonPooled bool
	filter    *dispatcher.Filter
	count     int
}

// settleTimeout bounds one ack, requeue or dead-letter call, so a broker
// that stopped answering cannot hold up the exit.
const settleTimeout = 10 * time.Second

func (a *app) newTailCmd() *cobra.Command {
	f := tailFlags{}
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print notifications as JSON lines as they arrive",
		Long: `Print notifications as they arrive, one JSON object per line with the keys
of harkd's file endpoint: priority, event_type, publisher_id, payload,
context and metadata (message_id, timestamp as sent, deliveries). Status
lines go to standard error; "listening ..." there means the subscription is
in place. Ctrl-C (or --count) ends the tail cleanly, with exit code 0.

Pools. Without --pool, hark tail listens in a private pool of its own
(hark-tail-<random>), so it receives a copy of every notification and takes
none away from harkd or other listeners. Like any new pool, it starts with
notifications sent after it subscribed: it shows no backlog. The pool is
transient: it is removed when the tail ends, and the broker removes it by
itself soon after a tail that was killed (on NATS JetStream its consumer's
inactive threshold, 30s). On Kafka the pool is a consumer group of its
own that commits nothing, deleted when the tail ends; a killed tail's
group leaves after its session times out and is removed by the broker's
next sweep of empty groups (offsets.retention.check.interval.ms, 10
minutes by default).
On the memory transport it ends with the process.

With --pool NAME, hark tail joins that pool and shares its notifications
with the other members: what tail receives, they do not. With --non-pooled
it joins the non-pooled group, the one a harkd without a pool listens in,
and reads its backlog too; that takes notifications away from the group's
other listeners.

Filters (--event-type, --publisher-id, --context-match, --payload-match) are
Python regular expressions matched at the start of the value, as in harkd's
endpoint filters. Notifications that do not match are acknowledged without
being printed (in a shared pool, that means consumed).`,
		Example: `  # Everything sent to openstack/notifications from now on:
  hark tail

  # Errors and criticals of compute instances, five of them, then exit:
  hark tail --priority error --priority critical --event-type 'compute\.instance\.' --count 5

  # Only active instances of one project, pretty-printed:
  hark tail --payload-match 'state=^active$' --context-match 'project_id=^p1$' | jq .

  # Share the work of the "billing" pool (takes notifications from its members):
  hark tail --pool billing`,
		Args: cobra.NoArgs,
		RunE: a.verb(func(ctx context.Context, _ []string) error {
			req, err := f.parse()
			if err != nil {
				return err
			}
			return a.tail(ctx, req)
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.exchange, "exchange", "", `exchange to listen on (default: the URL's control_exchange, else "openstack")`)
	fl.StringArrayVar(&f.topics, "topic", []string{notify.DefaultNotifierTopic}, "topic to listen to; repeat for several")
	fl.StringVar(&f.pool, "pool", "", "pool to join, sharing its notifications with its members (default: a private pool, which takes nothing from others)")
	fl.BoolVar(&f.nonPooled, "non-pooled", false, "join the non-pooled group, backlog included, sharing its notifications with its members")
	cmd.MarkFlagsMutuallyExclusive("pool", "non-pooled")
	fl.StringSliceVar(&f.priorities, "priority", nil, "priority to subscribe to; repeat or separate with commas (default: all seven)")
	fl.IntVar(&f.count, "count", 0, "exit after printing this many notifications (0: until interrupted)")
	f.filter.register(fl)
	return cmd
}

func (f tailFlags) parse() (tailRequest, error) {
	r := tailRequest{count: f.count}
	var err error
	if r.targets, err = targets(f.exchange, f.topics); err != nil {
		return r, err
	}
	if r.prios, err = parsePriorities(f.priorities); err != nil {
		return r, err
	}
	if r.filter, err = f.filter.compile(); err != nil {
		return r, err
	}
	if f.count < 0 {
		return r, usagef("--count %d: must not be negative", f.count)
	}
	if f.pool != "" {
		if err := target.CheckName("pool", f.pool, false); err != nil {
			return r, usagef("--pool: %w", err)
		}
	}
	r.pool, r.nonPooled = f.pool, f.nonPooled
	return r, nil
}

// targets builds the listen targets of --exchange and --topic.
func targets(exchange string, topics []string) ([]target.Target, error) {
	if len(topics) == 0 {
		return nil, usagef("--topic: at least one topic is needed")
	}
	ts := make([]target.Target, len(topics))
	for i, t := range topics {
		ts[i] = target.Target{Exchange: exchange, Topic: t}
		if err := ts[i].ValidateListen(); err != nil {
			return nil, usagef("--exchange/--topic: %w", err)
		}
	}
	return ts, nil
}

// tail listens and prints until ctx is done or req.count notifications
// are printed.
//
// It reads the transport directly rather than through notify.Listener so
// that watching has no side effects: a listener dead-letters bodies it
// cannot decode, which in a private pool would add a second dead letter
// for a message harkd dead-letters too; it also runs handlers
// concurrently, which would interleave the output order.
func (a *app) tail(ctx context.Context, req tailRequest) error {
	tr, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer tr.Close()

	cfg := transport.ListenConfig{Targets: req.targets, Priorities: req.prios, Prefetch: transport.DefaultPrefetch}
	if req.count > 0 {
		// Do not hold (and then hand back) more than will be printed.
		cfg.Prefetch = min(req.count, cfg.Prefetch)
	}
	private := req.pool == "" && !req.nonPooled
	var group string
	switch {
	case private:
		cfg.Pool, cfg.Transient = privatePoolName(), true
		group = "private pool " + cfg.Pool
	case req.nonPooled:
		group = "the non-pooled group"
	default:
		cfg.Pool = req.pool
		group = "pool " + cfg.Pool
	}
	l, err := tr.Listen(ctx, cfg)
	if err != nil {
		return interrupted(ctx, fmt.Errorf("listen: %w", err))
	}
	defer l.Close()

	dests := make([]string, len(cfg.Targets))
	for i, t := range cfg.Targets {
		dests[i] = targetString(tr, t)
	}
	fmt.Fprintf(a.err, "hark tail: listening to %v (%s) in %s; Ctrl-C to stop\n", dests, describePriorities(cfg.Priorities), group)

	out := newJSONLines(a.out)
	for printed := 0; req.count == 0 || printed < req.count; {
		d, err := l.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil // Ctrl-C: the normal end of a tail
			}
			return fmt.Errorf("receive: %w", err)
		}
		n, err := decodeDelivery(d)
		if err != nil {
			a.skipUndecodable(ctx, d, err, private)
			continue
		}
		if req.filter.Match(n) {
			if err := out.writeRecord(record.FromNotification(n)); err != nil {
				a.settle(ctx, "put back", func(sctx context.Context) error { return d.Requeue(sctx, 0) })
				if errors.Is(err, syscall.EPIPE) {
					return nil // the reader went away ("| head"): the normal end
				}
				return err
			}
			printed++
		}
		a.settle(ctx, "acknowledge", func(sctx context.Context) error { return d.Ack(sctx) })
	}
	return nil
}

// decodeDelivery decodes a delivery as the listener does.
func decodeDelivery(d transport.Delivery) (*dispatcher.Notification, error) {
	om, err := oslo.DecodeNotification(d.Message())
	if err != nil {
		return nil, err
	}
	return dispatcher.FromReceived(om, dispatcher.Received{
		Message: d.Message(), Source: d.Source(), Deliveries: d.Deliveries(), Lease: d,
	}), nil
}

// skipUndecodable deals with a message that is not a notification. In a
// private pool it is tail's own copy: acknowledge it (harkd dead-letters
// its own). In a shared group tail is the one consumer that got it: it
// dead-letters it as a listener would, so it is not lost.
func (a *app) skipUndecodable(ctx context.Context, d transport.Delivery, err error, private bool) {
	src := d.Source()
	if private {
		fmt.Fprintf(a.err, "hark tail: skipping a message on %s (%s) that is not a notification: %v\n", src.Target, src.Priority, err)
		a.settle(ctx, "acknowledge", func(sctx context.Context) error { return d.Ack(sctx) })
		return
	}
	fmt.Fprintf(a.err, "hark tail: dead-lettering a message on %s (%s) that is not a notification: %v\n", src.Target, src.Priority, err)
	a.settle(ctx, "dead-letter", func(sctx context.Context) error {
		return d.DeadLetter(sctx, transport.DeadLetterInfo{Reason: transport.ReasonDecode, LastError: err.Error(), Endpoint: "hark tail"})
	})
}

// settle runs one settle call, bounded by settleTimeout but not cut short
// by Ctrl-C (a half-done settle would leave the message for redelivery).
// A failure is reported, not fatal: the broker redelivers the message.
func (a *app) settle(ctx context.Context, what string, f func(context.Context) error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if err := f(sctx); err != nil && !errors.Is(err, transport.ErrAlreadySettled) {
		fmt.Fprintf(a.err, "hark: cannot %s a message (the broker will redeliver it): %v\n", what, err)
	}
}
