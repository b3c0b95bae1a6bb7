package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/harkmq/hark/cmd/internal/plural"
	"github.com/harkmq/hark/cmd/internal/progress"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// notifyFlags are the flags of hark notify, as given.
type notifyFlags struct {
	exchange       string
	topics         []string
	priority       string
	eventType      string
	publisherID    string
	payload        string
	context        string
	count          int
	driver         string
	retry          int
	timeout        time.Duration
	attemptTimeout time.Duration
	concurrency    int
	json           bool
	quiet          bool
}

// notifyRequest is what hark notify sends, checked and parsed.
type notifyRequest struct {
	notifyFlags
	prio    transport.Priority
	body    json.RawMessage
	reqCtxt notify.Context
	// ctxtKeys is --context's key order, which is sent as is (as oslo
	// sends its dict's order).
	ctxtKeys []string
}

func (a *app) newNotifyCmd() *cobra.Command {
	f := notifyFlags{}
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Send notifications",
		Long: `Send a notification (or --count of them) the way an OpenStack service's
oslo.messaging notifier does: an oslo v2 envelope ("messagingv2", or the bare
v1 body with --driver messaging) routed by "<topic>.<priority>" on the
exchange.

The payload and the request context are JSON, given inline, as @FILE, or as
@- for standard input. --count sends that many, from --concurrency
goroutines at once, stopping at the first failure; --count 0 sends until
interrupted (Ctrl-C), which then exits 0, as a tail does. While more than
one is sent, a progress line goes to standard error (rewritten in place on
a terminal, a line every 5s otherwise; --quiet turns it off).

When done (or stopped), hark prints one line on standard output, e.g.
  sent 1000 notifications (info hark.notify) to openstack/notifications in 1.2s: 833 msg/s
or with --json one object with the keys sent, requested, elapsed_seconds,
msgs_per_second, exchange, topics, priority and event_type.

What bounds a send: each attempt waits at most --attempt-timeout (10s) for
the broker's confirm; a failed or timed-out attempt is retried (1s, then 3s,
5s, ... at most 30s apart) with the same message, so the broker or the
listeners store it once; --timeout (90s) bounds one notification, retries
included, so the defaults ride out a broker outage of a minute and more.
--retry caps the retries (-1, the default: until --timeout). A broker that
cannot be reached when hark starts fails at once (--connect-timeout).

If a notification still fails when its --timeout runs out, hark stops the
batch there (the broker is not coming back in time for the others either):
it lets the notifications in flight finish, prints the summary ("sent N of
M"), and exits 1 with an error naming the notification (its message_id).`,
		Example: `  # One notification with the defaults (info, to openstack/notifications):
  hark notify --event-type compute.instance.create.end \
      --publisher-id compute.host1 --payload '{"instance_id": "42", "state": "active"}'

  # The payload from a file, a request context, another priority:
  hark notify --priority error --event-type compute.instance.delete.error \
      --payload @payload.json --context '{"request_id": "req-1", "project_id": "p1"}'

  # Load: 10000 notifications from 8 goroutines, with a summary as JSON:
  hark notify --count 10000 --concurrency 8 --json

  # Until Ctrl-C:
  hark notify --count 0 --concurrency 4

  # To RabbitMQ, as nova.conf's transport_url names it:
  hark notify --url 'rabbit://nova:secret@rabbit1:5672/' --event-type test.ping`,
		Args: cobra.NoArgs,
		RunE: a.verb(func(ctx context.Context, _ []string) error {
			req, err := f.parse(a.in)
			if err != nil {
				return err
			}
			return a.notify(ctx, req)
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.exchange, "exchange", "", `exchange to send to (default: the URL's control_exchange, else "openstack")`)
	fl.StringArrayVar(&f.topics, "topic", []string{notify.DefaultNotifierTopic}, "topic to send to; repeat to send each notification to several")
	fl.StringVar(&f.priority, "priority", string(transport.Info), "priority: audit, debug, info, warn, error, critical or sample")
	fl.StringVar(&f.eventType, "event-type", "hark.notify", "event type, e.g. compute.instance.create.end")
	fl.StringVar(&f.publisherID, "publisher-id", defaultPublisherID(), "publisher id, oslo style <service>.<host>")
	fl.StringVar(&f.payload, "payload", "{}", "payload: JSON, @FILE, or @- for standard input")
	fl.StringVar(&f.context, "context", "", "request context: a JSON object, @FILE, or @- for standard input")
	fl.IntVar(&f.count, "count", 1, "how many notifications to send (0: until interrupted)")
	fl.StringVar(&f.driver, "driver", notify.DriverMessagingV2, "wire format: messagingv2 (oslo v2 envelope) or messaging (v1 body)")
	fl.IntVar(&f.retry, "retry", -1, "retries of a failed send (-1: until --timeout)")
	fl.DurationVar(&f.timeout, "timeout", defaultSendTimeout, "give up on one notification after this long, retries included")
	fl.DurationVar(&f.attemptTimeout, "attempt-timeout", notify.DefaultAttemptTimeout, "wait at most this long for the broker to confirm one attempt before trying again")
	fl.IntVar(&f.concurrency, "concurrency", 1, "notifications in flight at once (with --count)")
	fl.BoolVar(&f.json, "json", false, "print the summary as a JSON object")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress line on standard error")
	return cmd
}

// defaultSendTimeout bounds one notification (hark notify) or one
// replayed dead letter (hark dlq replay), retries included: enough
// to ride out a minute-long broker outage, and within NATS JetStream's
// default duplicate window (2m), so a retry after an attempt whose ack was
// lost is still recognised as the same message.
const defaultSendTimeout = 90 * time.Second

// defaultPublisherID is "hark.<hostname>", oslo's "<service>.<host>".
func defaultPublisherID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return "hark." + host
}

// parse checks the flags and reads the payload and context; stdin serves
// "@-". Every error is a usage error.
func (f notifyFlags) parse(stdin io.Reader) (notifyRequest, error) {
	r := notifyRequest{notifyFlags: f}
	p, ok := transport.ParsePriority(f.priority)
	if !ok {
		return r, usagef("--priority %q: want one of audit, debug, info, warn, error, critical, sample", f.priority)
	}
	r.prio = p
	if f.driver != notify.DriverMessagingV2 && f.driver != notify.DriverMessaging {
		return r, usagef("--driver %q: want %s or %s", f.driver, notify.DriverMessagingV2, notify.DriverMessaging)
	}
	if f.exchange != "" {
		if err := target.CheckName("exchange", f.exchange, false); err != nil {
			return r, usagef("--exchange: %w", err)
		}
	}
	for _, t := range f.topics {
		if err := target.CheckName("topic", t, true); err != nil {
			return r, usagef("--topic: %w", err)
		}
	}
	if len(f.topics) == 0 {
		return r, usagef("--topic: at least one topic is needed")
	}
	if f.count < 0 {
		return r, usagef("--count %d: must not be negative (0: until interrupted)", f.count)
	}
	if f.concurrency < 1 {
		return r, usagef("--concurrency %d: must be at least 1", f.concurrency)
	}
	if f.attemptTimeout <= 0 {
		return r, usagef("--attempt-timeout %s: must be positive", f.attemptTimeout)
	}
	if f.timeout <= 0 {
		return r, usagef("--timeout %s: must be positive", f.timeout)
	}
	usedStdin := false
	body, err := readArg("--payload", f.payload, stdin, &usedStdin)
	if err != nil {
		return r, err
	}
	if err := checkJSON(body); err != nil {
		return r, usagef("--payload is not valid JSON: %w", err)
	}
	r.body = json.RawMessage(body)
	if f.context != "" {
		raw, err := readArg("--context", f.context, stdin, &usedStdin)
		if err != nil {
			return r, err
		}
		if r.reqCtxt, r.ctxtKeys, err = oslo.DecodeObject(raw); err != nil {
			return r, usagef("--context: %w", err)
		}
	}
	return r, nil
}

// readArg returns a flag's value, or the contents of the file it names
// with "@FILE", or standard input for "@-" (once: usedStdin tracks it).
func readArg(flag, v string, stdin io.Reader, usedStdin *bool) ([]byte, error) {
	name, isFile := strings.CutPrefix(v, "@")
	switch {
	case !isFile:
		return []byte(v), nil
	case name == "-":
		if *usedStdin {
			return nil, usagef("%s @-: standard input is already used by another flag", flag)
		}
		*usedStdin = true
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("%s: read standard input: %w", flag, err)
		}
		return b, nil
	default:
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, usagef("%s: %w", flag, err)
		}
		return b, nil
	}
}

// checkJSON reports whether b holds exactly one JSON value as Python reads
// it (NaN, Infinity and -Infinity allowed, as oslo's notifier writes
// them), with the decoder's message (which says where) when it does not.
func checkJSON(b []byte) error {
	if oslo.ValidJSON(b) {
		return nil
	}
	var v any
	if err := decodeOne(b, &v); err != nil {
		return err
	}
	return errors.New("invalid")
}

func decodeOne(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value")
	}
	return nil
}

// more reports whether a worker sends another notification: the next of
// count, or with count 0 (until interrupted) another while ctx lasts.
func more(ctx context.Context, count int, next *atomic.Int64) bool {
	if count == 0 {
		return ctx.Err() == nil
	}
	return next.Add(1) <= int64(count)
}

// notifySummary is what hark notify prints when done (--json: as is).
type notifySummary struct {
	Sent           int64    `json:"sent"`
	Requested      int      `json:"requested"`
	ElapsedSeconds float64  `json:"elapsed_seconds"`
	PerSecond      float64  `json:"msgs_per_second"`
	Exchange       string   `json:"exchange"`
	Topics         []string `json:"topics"`
	Priority       string   `json:"priority"`
	EventType      string   `json:"event_type"`
}

// notify sends req.count notifications from req.concurrency goroutines,
// stopping at the first failure, and prints the summary either way.
func (a *app) notify(ctx context.Context, req notifyRequest) error {
	tr, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer tr.Close()
	opts := []notify.NotifierOption{
		notify.WithPublisherID(req.publisherID),
		notify.WithDriverNames(req.driver),
		notify.WithTopics(req.topics...),
		notify.WithRetry(req.retry),
		notify.WithAttemptTimeout(req.attemptTimeout),
		notify.WithNotifierLogger(a.log),
	}
	if req.exchange != "" {
		opts = append(opts, notify.WithExchange(req.exchange))
	}
	n, err := notify.NewNotifier(tr, opts...)
	if err != nil {
		return usageError{err} // the flags were checked; this is a bad combination
	}

	sendCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next, sent atomic.Int64
		wg         sync.WaitGroup
	)
	workers := req.concurrency
	if req.count > 0 {
		workers = min(workers, req.count)
	}
	var prog *progress.Line
	if !req.quiet && req.count != 1 {
		prog = progress.New(a.err, isTerminal(a.err))
	}
	prog.Track("hark notify", int64(req.count), sent.Load)
	start := time.Now()
	// With --count 0 an interruption is the normal end: the sends in
	// flight then finish (within --timeout) rather than fail half-way.
	parent := sendCtx
	if req.count == 0 {
		parent = context.WithoutCancel(sendCtx)
	}
	for range workers {
		wg.Go(func() {
			for more(sendCtx, req.count, &next) {
				cctx, done := context.WithTimeout(parent, req.timeout)
				err := n.Notify(cctx, req.prio, req.reqCtxt, req.eventType, req.body, notify.WithContextKeys(req.ctxtKeys...))
				done()
				if err != nil {
					cancel(err)
					return
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	prog.End()

	exchange := req.exchange
	if exchange == "" {
		exchange = tr.DefaultExchange()
	}
	s := notifySummary{
		Sent: sent.Load(), Requested: req.count, ElapsedSeconds: elapsed.Seconds(),
		Exchange: exchange, Topics: req.topics, Priority: string(req.prio), EventType: req.eventType,
	}
	if elapsed > 0 {
		s.PerSecond = float64(s.Sent) / elapsed.Seconds()
	}
	if err := a.printNotifySummary(s, req.json); err != nil {
		return err
	}
	if err := context.Cause(sendCtx); err != nil && !errors.Is(err, context.Canceled) {
		return interrupted(ctx, err) // a send failed (with --count 0 too: its sends are not cancelled)
	}
	if ctx.Err() != nil && req.count > 0 { // --count 0 ends this way
		return fmt.Errorf("%w after sending %d of %s", errInterrupted, s.Sent, plural.Count(s.Requested, "notification"))
	}
	return nil
}

func (a *app) printNotifySummary(s notifySummary, asJSON bool) error {
	if asJSON {
		return newJSONLines(a.out).write(s)
	}
	dests := make([]string, len(s.Topics))
	for i, t := range s.Topics {
		dests[i] = s.Exchange + "/" + t
	}
	noun := plural.Noun(s.Requested, "notification")
	if s.Requested == 0 { // until interrupted
		noun = plural.Noun(s.Sent, "notification")
	}
	sent := fmt.Sprint(s.Sent)
	if s.Requested > 0 && s.Sent != int64(s.Requested) {
		sent = fmt.Sprintf("%d of %d", s.Sent, s.Requested)
	}
	line := fmt.Sprintf("sent %s %s (%s %s) to %s in %s", sent, noun, s.Priority, s.EventType,
		strings.Join(dests, ", "), time.Duration(s.ElapsedSeconds*float64(time.Second)).Round(time.Microsecond))
	if s.Requested != 1 {
		line += fmt.Sprintf(": %.0f msg/s", s.PerSecond)
	}
	if _, err := fmt.Fprintln(a.out, line); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
