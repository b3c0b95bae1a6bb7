package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/harkmq/hark/cmd/internal/plural"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// maxHeld bounds the dead letters one dlq run holds unsettled: every
// listed record, every record replay skips. It is JetStream's default
// max_ack_pending, past which the broker hands out no more.
const maxHeld = 1000

// dlqLease is the lease of the records a dlq run holds: long enough for a
// run to finish, so a record is not redelivered to the run itself.
const dlqLease = 5 * time.Minute

// dlqFlags are the flags dlq list and dlq replay share, as given.
type dlqFlags struct {
	exchange   string
	topic      string
	dlqTopic   string
	priorities []string
	reasons    []string
	messageIDs []string
	filter     filterFlags
	limit      int
	wait       time.Duration
	json       bool
}

// dlqRequest is which dead letters a dlq verb reads, checked.
type dlqRequest struct {
	target     target.Target // the dead-letter topic on its exchange
	prios      []transport.Priority
	reasons    []string
	messageIDs []string
	filter     *dispatcher.Filter
	limit      int // 0: no limit
	wait       time.Duration
	json       bool
}

func (f *dlqFlags) register(fl *pflag.FlagSet, limit int, limitUsage string) {
	fl.StringVar(&f.exchange, "exchange", "", `exchange of the source topic (default: the URL's control_exchange, else "openstack")`)
	fl.StringVar(&f.topic, "topic", notify.DefaultNotifierTopic, "source topic whose dead letters to read")
	fl.StringVar(&f.dlqTopic, "dlq-topic", "", `dead-letter topic, if harkd's dead_letter.topic sets one (default "<topic>`+transport.DeadLetterSuffix+`")`)
	fl.StringSliceVar(&f.priorities, "priority", nil, "only dead letters of this source priority; repeat or separate with commas (default: all)")
	fl.StringArrayVar(&f.reasons, "reason", nil, "only dead letters with this reason (max_deliveries, decode_error, rejected, requeue_refused, ...); repeatable")
	fl.StringArrayVar(&f.messageIDs, "message-id", nil, "only the dead letter of this message id; repeatable")
	f.filter.register(fl)
	fl.IntVar(&f.limit, "limit", limit, limitUsage)
	fl.DurationVar(&f.wait, "wait", time.Second, "consider the dead-letter queue read when no record arrives for this long")
	fl.BoolVar(&f.json, "json", false, "print one JSON object per record, with every field, instead of a table")
}

func (f dlqFlags) parse() (dlqRequest, error) {
	r := dlqRequest{reasons: f.reasons, messageIDs: f.messageIDs, limit: f.limit, wait: f.wait, json: f.json}
	if f.exchange != "" {
		if err := target.CheckName("exchange", f.exchange, false); err != nil {
			return r, usagef("--exchange: %w", err)
		}
	}
	if err := target.CheckName("topic", f.topic, true); err != nil {
		return r, usagef("--topic: %w", err)
	}
	dlq := f.dlqTopic
	if dlq == "" {
		dlq = f.topic + transport.DeadLetterSuffix
	} else if err := target.CheckName("dead-letter topic", dlq, true); err != nil {
		return r, usagef("--dlq-topic: %w", err)
	}
	r.target = target.Target{Exchange: f.exchange, Topic: dlq}
	var err error
	if r.prios, err = parsePriorities(f.priorities); err != nil {
		return r, err
	}
	if r.filter, err = f.filter.compile(); err != nil {
		return r, err
	}
	if f.limit < 0 {
		return r, usagef("--limit %d: must not be negative", f.limit)
	}
	if f.wait <= 0 {
		return r, usagef("--wait %s: must be positive", f.wait)
	}
	return r, nil
}

func (a *app) newDLQCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Inspect and replay dead letters",
		Long: `Dead letters are notifications a listener gave up on: delivered
max_deliveries times without being handled, rejected by an endpoint, or not
decodable. Each is kept as a record on the dead-letter topic "<topic>.dlq"
of the same exchange, with the original body and headers byte for byte and
why, where from and when. "hark dlq list" shows them; "hark dlq replay" sends
them back to where they came from.

Both read the records in the dead-letter topic's non-pooled group, and put
back what they do not consume. That counts as a delivery of each record:
on a transport URL with max_deliveries, records listed that many times are
themselves dead-lettered (to "<topic>.dlq.dlq").

Reading creates nothing on the broker: no exchange, queue or stream is made
for a dead-letter topic that has none. An exchange that does not exist is
an error (exit code 1); a topic where nothing was ever dead-lettered reads
as 0 dead letters, and says so. (On NATS JetStream, the non-pooled group's
consumer on the dead-letter topic, which records what a replay removed, is
made by the first read of a topic that holds records.)`,
		Example: `  hark dlq list
  hark dlq list --reason max_deliveries --json | jq .last_error
  hark dlq replay --dry-run
  hark dlq replay --event-type 'compute\.instance\.' --limit 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return usagef("dlq needs a verb: list or replay")
		},
	}
	cmd.AddCommand(a.newDLQListCmd(), a.newDLQReplayCmd())
	return cmd
}

func (a *app) newDLQListCmd() *cobra.Command {
	f := dlqFlags{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print dead letters without removing them",
		Long: `Print the dead letters of a topic, oldest first, as a table or (--json) as
JSON lines with every field: reason, last error, endpoint, deliveries, the
source exchange, topic, priority and pool, when, the decoded notification,
and the original message (id, headers, body).

Nothing is removed: the records are read, held until the listing is done,
and put back in their order. Listing counts as one delivery of each record
(see "hark dlq --help"). Listing ends after --limit records, or when no record
arrived for --wait.`,
		Example: `  # The first 100 dead letters of openstack/notifications:
  hark dlq list

  # Every field of the webhook's rejections, as JSON lines:
  hark dlq list --reason rejected --json

  # Dead letters of a custom dead-letter topic:
  hark dlq list --topic billing --dlq-topic billing.failed`,
		Args: cobra.NoArgs,
		RunE: a.verb(func(ctx context.Context, _ []string) error {
			req, err := f.parse()
			if err != nil {
				return err
			}
			return a.dlqList(ctx, req)
		}),
	}
	f.register(cmd.Flags(), 100, "print at most this many records (0: all, up to 1000)")
	return cmd
}

func (a *app) newDLQReplayCmd() *cobra.Command {
	f := dlqFlags{}
	dryRun := false
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Send dead letters back to where they came from",
		Long: `Send each selected dead letter's original message, body and headers byte for
byte, to its source exchange, topic and priority, then remove the record.
Records that are not selected stay where they are, in their order.

The replayed message goes to the topic, not to the pool that gave up on it:
every pool listening there (and the non-pooled group) receives it again. It
is published under a new broker message id derived from the record, so
that NATS JetStream's duplicate window does not drop it as a re-send of the
original; a replay retried after a failure is still de-duplicated.

A replay takes the records that were there when it started, each once.
Records dead-lettered while it runs (such as a replayed notification that
an endpoint still fails on) are left in place for a later replay.

With --dry-run, nothing is sent or removed: hark prints what it would do.
One line per record goes to standard output (a table, or --json), a summary
to standard error. A failed send stops the replay (exit code 1); the record
stays.`,
		Example: `  # What would be replayed:
  hark dlq replay --dry-run

  # Replay what a webhook failed on after max deliveries:
  hark dlq replay --reason max_deliveries

  # Replay one notification:
  hark dlq replay --message-id 5f1c8f8e-3c5e-4c44-9d1c-0d7b6e6f3f44`,
		Args: cobra.NoArgs,
		RunE: a.verb(func(ctx context.Context, _ []string) error {
			req, err := f.parse()
			if err != nil {
				return err
			}
			return a.dlqReplay(ctx, req, dryRun)
		}),
	}
	f.register(cmd.Flags(), 0, "replay at most this many records (0: all)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be replayed; send and remove nothing")
	return cmd
}

// dlqEntry is one record read from a dead-letter topic.
type dlqEntry struct {
	d        transport.Delivery
	rec      transport.DeadLetter
	parseErr error                    // not a dead-letter record
	n        *dispatcher.Notification // the original, decoded; nil if it cannot be
	// decodeErr says why the original cannot be decoded (a decode_error
	// dead letter, typically).
	decodeErr error
}

func newDLQEntry(d transport.Delivery) *dlqEntry {
	e := &dlqEntry{d: d}
	e.rec, e.parseErr = transport.ParseDeadLetter(d.Message())
	if e.parseErr != nil {
		return e
	}
	om, err := oslo.DecodeNotification(e.rec.Original)
	if err != nil {
		e.decodeErr = err
		return e
	}
	// Deliveries of the original, as the endpoints last saw them.
	e.n = dispatcher.FromOslo(om, e.rec.Deliveries, nil)
	return e
}

// selected reports whether e passes the request's selection. A message
// that is not a dead-letter record passes only when nothing is selected,
// so a plain list shows it.
func (r dlqRequest) selected(e *dlqEntry) bool {
	if e.parseErr != nil {
		return len(r.reasons) == 0 && len(r.messageIDs) == 0 && r.filter == nil
	}
	if len(r.reasons) > 0 && !slices.Contains(r.reasons, e.rec.Info.Reason) {
		return false
	}
	if len(r.messageIDs) > 0 && !slices.Contains(r.messageIDs, e.rec.Original.ID) &&
		(e.n == nil || !slices.Contains(r.messageIDs, e.n.Metadata.MessageID)) {
		return false
	}
	if r.filter != nil {
		return e.n != nil && r.filter.Match(e.n)
	}
	return true
}

// visitFunc handles one record of a scan. keep says the scan holds the
// record and puts it back at the end (else visit settled it); stop ends
// the scan.
type visitFunc func(ctx context.Context, e *dlqEntry) (keep, stop bool, err error)

// scanResult says how a scan went.
type scanResult struct {
	scanned int
	// full: the scan stopped because it held maxHeld records, so more may
	// be waiting.
	full bool
	// absent says why there was nothing to read: the broker has no queue
	// (or stream messages) for the dead-letter topic, which a scan never
	// makes.
	absent error
}

// scanDLQ reads the records of req's dead-letter topic and hands each to
// visit, until visit says stop, no record arrives for req.wait, maxHeld
// records are held, or ctx is done. Then it puts the held records back,
// newest first: a record given back goes to the head of its queue (memory,
// RabbitMQ), so the queue ends up in its old order.
func (a *app) scanDLQ(ctx context.Context, tr transport.Transport, req dlqRequest, visit visitFunc) (res scanResult, err error) {
	cfg := transport.ListenConfig{
		Targets:    []target.Target{req.target},
		Priorities: req.prios,
		Prefetch:   maxHeld,
		Lease:      dlqLease,
		// Inspecting changes nothing: no exchange, queue or stream is
		// made for a dead-letter topic that has none (a typo included).
		Passive: true,
	}
	l, err := tr.Listen(ctx, cfg)
	switch {
	case errors.Is(err, transport.ErrNotFound):
		res.absent = err
		return res, nil
	case errors.Is(err, transport.ErrExchangeNotFound):
		ex := req.target.WithDefaultExchange(tr.DefaultExchange()).Exchange
		return res, fmt.Errorf("no dead letters for exchange %q: the exchange does not exist on the broker (%w)", ex, err)
	case err != nil:
		return res, interrupted(ctx, fmt.Errorf("listen to %s: %w", targetString(tr, req.target), err))
	}
	var held []transport.Delivery
	defer func() {
		// Stop first: a record given back to a listener still taking
		// deliveries would come straight back to it.
		_ = l.Stop()
		for _, d := range slices.Backward(held) {
			a.settle(ctx, "put back", func(sctx context.Context) error { return d.Requeue(sctx, 0) })
		}
		_ = l.Close()
	}()
	for len(held) < maxHeld {
		wctx, cancel := context.WithTimeout(ctx, req.wait)
		d, err := l.Next(wctx)
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return res, fmt.Errorf("%w after reading %s", errInterrupted, plural.Count(res.scanned, "record"))
		case errors.Is(err, context.DeadlineExceeded):
			return res, nil // nothing more arrived: the queue is read
		default:
			return res, fmt.Errorf("read %s: %w", targetString(tr, req.target), err)
		}
		res.scanned++
		keep, stop, err := visit(ctx, newDLQEntry(d))
		if keep {
			held = append(held, d)
		}
		if err != nil || stop {
			return res, err
		}
	}
	res.full = true
	return res, nil
}

// recordWriter prints records as JSON lines or a table.
type recordWriter struct {
	lines *jsonLines
	table *deadLetterTable
}

func (a *app) newRecordWriter(asJSON, action bool) *recordWriter {
	if asJSON {
		return &recordWriter{lines: newJSONLines(a.out)}
	}
	return &recordWriter{table: newDeadLetterTable(a.out, action)}
}

func (w *recordWriter) write(r deadLetterRecord) error {
	if w.lines != nil {
		return w.lines.write(r)
	}
	w.table.write(r)
	return nil
}

func (w *recordWriter) flush() error {
	if w.table != nil {
		return w.table.flush()
	}
	return nil
}

func (a *app) dlqList(ctx context.Context, req dlqRequest) error {
	tr, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer tr.Close()
	w := a.newRecordWriter(req.json, false)
	listed := 0
	res, err := a.scanDLQ(ctx, tr, req, func(_ context.Context, e *dlqEntry) (bool, bool, error) {
		if !req.selected(e) {
			return true, false, nil
		}
		listed++
		return true, req.limit > 0 && listed >= req.limit, w.write(newDeadLetterRecord(e))
	})
	if ferr := w.flush(); err == nil {
		err = ferr
	}
	if errors.Is(err, transport.ErrExchangeNotFound) {
		return err
	}
	fmt.Fprintf(a.err, "hark dlq list: %s listed (%d read) from %s\n", plural.Count(listed, "dead letter"), res.scanned, targetString(tr, req.target))
	a.noteAbsent(res)
	a.noteFull(res)
	return err
}

func (a *app) dlqReplay(ctx context.Context, req dlqRequest, dryRun bool) error {
	tr, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer tr.Close()
	w := a.newRecordWriter(req.json, true)
	replayed, skipped, later := 0, 0, 0
	// A replay takes what was dead-lettered when it started. An endpoint
	// that still rejects a replayed notification dead-letters it again
	// while the replay runs; replaying that new record would go on for
	// ever, one downstream call per turn. It is known by its time, and,
	// whatever the clocks of the hosts say, by its id: one this run sent.
	started := time.Now()
	sent := map[string]bool{}
	res, err := a.scanDLQ(ctx, tr, req, func(ctx context.Context, e *dlqEntry) (bool, bool, error) {
		if !req.selected(e) || !replayable(e) {
			skipped++
			return true, false, nil
		}
		if sent[e.rec.Original.ID] || e.rec.Time.After(started) {
			later++
			return true, false, nil
		}
		r := newDeadLetterRecord(e)
		if dryRun {
			r.Action = "would_replay"
			replayed++
			return true, req.limit > 0 && replayed >= req.limit, w.write(r)
		}
		msg := replayMessage(e.rec)
		sent[msg.ID] = true
		if err := a.replay(ctx, tr, e.rec, msg); err != nil {
			r.Action = "failed"
			return true, true, errors.Join(err, w.write(r))
		}
		a.settle(ctx, "remove the replayed record (a later replay sends it again)", func(sctx context.Context) error { return e.d.Ack(sctx) })
		r.Action = "replayed"
		replayed++
		return false, req.limit > 0 && replayed >= req.limit, w.write(r)
	})
	if ferr := w.flush(); err == nil {
		err = ferr
	}
	if errors.Is(err, transport.ErrExchangeNotFound) {
		return err
	}
	verb := "replayed"
	if dryRun {
		verb = "would replay"
	}
	fmt.Fprintf(a.err, "hark dlq replay: %s %s from %s (%d read, %d left in place)\n",
		verb, plural.Count(replayed, "dead letter"), targetString(tr, req.target), res.scanned, skipped+later)
	a.noteAbsent(res)
	if later > 0 {
		fmt.Fprintf(a.err, "hark dlq replay: %s came after the replay started (replayed notifications an endpoint still failed on, among others); left in place for a later replay\n", plural.Count(later, "dead letter"))
	}
	a.noteFull(res)
	return err
}

// replayable reports whether e says where to send it back.
func replayable(e *dlqEntry) bool {
	return e.parseErr == nil && e.rec.Source.Target.Topic != "" && e.rec.Source.Priority.Valid()
}

// replay sends msg, rec's original message as replayMessage makes it,
// back to rec's source target and priority as hark notify sends: attempts
// retried with the same message, bounded by defaultSendTimeout in all. A record that could not be sent
// stays in the dead-letter topic.
func (a *app) replay(ctx context.Context, tr transport.Transport, rec transport.DeadLetter, msg transport.Message) error {
	sctx, cancel := context.WithTimeout(ctx, defaultSendTimeout)
	defer cancel()
	err := transport.SendRetrying(sctx, tr, rec.Source.Target, rec.Source.Priority, msg, transport.RetryPolicy{}, func(ri transport.RetryInfo) {
		a.log.Warn("replaying a dead letter failed; retrying", zap.String("message_id", msg.ID),
			zap.Int("attempt", ri.Attempt), zap.Duration("backoff", ri.Wait), zap.Error(ri.Err))
	})
	if err != nil {
		return interrupted(ctx, fmt.Errorf("replay %s to %s (%s): %w", rec.Original.ID, targetString(tr, rec.Source.Target), rec.Source.Priority, err))
	}
	return nil
}

// noteAbsent says why a scan read nothing when the broker has nothing to
// read for the dead-letter topic.
func (a *app) noteAbsent(res scanResult) {
	if res.absent != nil {
		fmt.Fprintf(a.err, "hark: nothing was ever dead-lettered there: %v\n", res.absent)
	}
}

func (a *app) noteFull(res scanResult) {
	if res.full {
		fmt.Fprintf(a.err, "hark: stopped after holding %s; more may be waiting (narrow the selection, or replay some first)\n", plural.Count(maxHeld, "record"))
	}
}

// replaySuffix separates a message id from the replay part replayMessage
// adds to it.
const replaySuffix = "~replay-"

// replayMessage is what replay sends: the original body and headers, byte
// for byte, under a broker message id of its own. The original id would be
// dropped by NATS JetStream as a duplicate when the original was sent
// within the duplicate window (2 minutes by default), which is the common
// case for a dead letter replayed right after a failure. The new id is
// derived from the record (the original id, when and after how many
// deliveries it was dead-lettered), so a replay retried after a failed ack
// is still de-duplicated, while replays of different dead-letterings are
// not. Earlier replay suffixes are dropped, so ids stay short.
func replayMessage(rec transport.DeadLetter) transport.Message {
	base, _, _ := strings.Cut(rec.Original.ID, replaySuffix)
	h := sha256.Sum256([]byte(rec.Original.ID + "\x00" + rec.Time.UTC().Format(time.RFC3339Nano) + "\x00" + strconv.Itoa(rec.Deliveries)))
	return transport.Message{
		ID:     base + replaySuffix + hex.EncodeToString(h[:8]),
		Body:   rec.Original.Body,
		Header: rec.Original.Header,
	}
}
