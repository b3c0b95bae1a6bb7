package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// handler turns deliveries into notifications and outcomes into settlements.
// Listener and BatchListener share it.
type handler struct {
	log           *zap.Logger
	caps          transport.Capabilities
	requeue       RequeuePolicy
	maxDeliveries int
	lease         time.Duration
	autoExtend    bool
	settleCtx     *settleContexts
	keepers       *keepers
	dedup         *dedup
	observer      func(Event)
	pool          string
	// deadLetterTo names where the transport sends the dead letters of a
	// message from a target (the listen config's DeadLetterTarget).
	deadLetterTo func(target.Target) target.Target
	budget       *oslo.DecompressionBudget
}

// emit reports an event to the observer, if any.
func (h *handler) emit(kind EventKind, p transport.Priority, reason, endpoint string) {
	if h.observer != nil {
		h.observer(Event{Kind: kind, Priority: p, Reason: reason, Endpoint: endpoint, Pool: h.pool})
	}
}

// inbound is a decoded delivery ready for dispatch.
type inbound struct {
	d  transport.Delivery
	n  *dispatcher.Notification
	id dedupID // the de-duplication key
}

// prepare decodes d. A body that cannot be decoded is dead-lettered (never
// requeued: it would fail the same way forever) and a recent duplicate is
// acknowledged; both return ok=false. One whose decompression was still
// waiting for memory when ctx ended is left unsettled, for redelivery.
func (h *handler) prepare(ctx context.Context, d transport.Delivery) (in inbound, ok bool) {
	msg := d.Message()
	om, err := h.budget.DecodeNotification(ctx, msg)
	if err != nil {
		prio := d.Source().Priority
		h.emit(EventReceived, prio, "", "")
		if !errors.Is(err, transport.ErrDecode) {
			h.log.Warn("the shutdown deadline ended the wait for decompression memory; leaving the notification for redelivery",
				append(h.deliveryFields(d), zap.Error(err))...)
			h.emit(EventAbandoned, prio, "", "")
			return inbound{}, false
		}
		h.deadLetter(d, prio, h.deliveryFields(d), transport.DeadLetterInfo{Reason: transport.ReasonDecode, LastError: err.Error()})
		return inbound{}, false
	}
	prio, _ := transport.ParsePriority(om.Priority)
	h.emit(EventReceived, prio, "", "")
	id := h.dedup.idOf(om, d.Source())
	if h.dedup.contains(id) {
		h.duplicate(d, prio, id, om)
		return inbound{}, false
	}
	n := dispatcher.FromReceived(om, dispatcher.Received{Message: msg, Source: d.Source(), Deliveries: d.Deliveries(), Lease: d})
	return inbound{d: d, n: n, id: id}, true
}

// keepAlive extends the lease of ds every half lease until its stop
// method is called, so a long handler does not see its notifications
// redelivered elsewhere (see keepers). Without leases it is nil (stop on
// nil does nothing).
func (h *handler) keepAlive(ctx context.Context, ds ...transport.Delivery) *leaseKeeper {
	if !h.autoExtend || !h.caps.Lease || h.lease <= 0 || len(ds) == 0 {
		return nil
	}
	return h.keepers.add(ctx, ds)
}

// finish settles in according to out.
func (h *handler) finish(ctx context.Context, in inbound, out dispatcher.Outcome) {
	d := in.d
	if ctx.Err() != nil && out.Result.Action() != dispatcher.ActionHandled {
		// A forced shutdown cancelled the handler: its requeue or rejection
		// may be the cancellation itself. Leave the delivery unsettled;
		// closing the listener gives it back and the broker redelivers it,
		// even when requeue is not allowed.
		h.log.Warn("the shutdown deadline cancelled the handler; leaving the notification for redelivery",
			append(h.notificationFields(in), zap.String("endpoint", out.Endpoint), zap.String("result", out.Result.String()))...)
		h.emit(EventAbandoned, in.n.Priority, "", out.Endpoint)
		return
	}
	switch out.Result.Action() {
	case dispatcher.ActionHandled:
		h.acknowledge(in, EventAcked, out.Endpoint)
	case dispatcher.ActionReject:
		h.deadLetter(d, in.n.Priority, h.notificationFields(in), transport.DeadLetterInfo{
			Reason:    transport.ReasonRejected,
			LastError: resultError(out),
			Endpoint:  out.Endpoint,
		})
	default: // requeue
		switch {
		case !h.requeue.Allow:
			h.log.Warn("an endpoint asked for a requeue, but requeue is not allowed on this listener; acknowledging (dropping) the notification as oslo.messaging does",
				append(h.notificationFields(in), zap.String("endpoint", out.Endpoint), zap.String("result", out.Result.String()))...)
			h.acknowledge(in, EventDropped, out.Endpoint)
		default:
			h.requeueOrDeadLetter(in, out)
		}
	}
}

// requeueOrDeadLetter gives in back for redelivery. The delivery cap
// (ListenConfig.MaxDeliveries, which the listener set from its requeue
// policy) is decided by the driver: at the cap its Requeue dead-letters
// the notification instead, and through transport.CappedRequeuer the
// record names the endpoint and its error. Only a delivery without that
// interface (a driver from outside this module), or on a transport that
// cannot dead-letter, is checked here (requeueUncapped).
func (h *handler) requeueOrDeadLetter(in inbound, out dispatcher.Outcome) {
	d := in.d
	info := transport.DeadLetterInfo{
		ID:        uuid.NewString(),
		Reason:    transport.ReasonMaxDeliveries,
		LastError: resultError(out),
		Endpoint:  out.Endpoint,
	}
	cr, capped := d.(transport.CappedRequeuer)
	if !capped || !h.caps.DeadLetter {
		h.requeueUncapped(in, out, info)
		return
	}
	delay := h.requeue.delay(d.Deliveries())
	var dead bool
	ok := h.settle(d, "requeue", func(sctx context.Context) error {
		var err error
		dead, err = cr.RequeueOrDeadLetter(sctx, delay, info)
		return err
	})
	if dead {
		h.logDeadLetter(d, h.maxDeliveriesFields(in), info)
		h.settled(ok, EventDeadLettered, in.n.Priority, info.Reason, info.Endpoint)
		return
	}
	h.logRequeue(in, out, delay)
	h.settled(ok, EventRequeued, in.n.Priority, "", out.Endpoint)
}

// requeueUncapped requeues in through a delivery that does not say
// whether the cap dead-lettered it, so the cap is checked here first.
func (h *handler) requeueUncapped(in inbound, out dispatcher.Outcome, info transport.DeadLetterInfo) {
	d := in.d
	if h.maxDeliveries > 0 && d.Deliveries() >= h.maxDeliveries {
		h.deadLetter(d, in.n.Priority, h.maxDeliveriesFields(in), info)
		return
	}
	delay := h.requeue.delay(d.Deliveries())
	h.logRequeue(in, out, delay)
	h.settled(h.settle(d, "requeue", func(sctx context.Context) error { return d.Requeue(sctx, delay) }), EventRequeued, in.n.Priority, "", out.Endpoint)
}

func (h *handler) logRequeue(in inbound, out dispatcher.Outcome, delay time.Duration) {
	h.log.Debug("requeueing notification",
		append(h.notificationFields(in), zap.String("endpoint", out.Endpoint), zap.Duration("delay", delay))...)
}

func (h *handler) maxDeliveriesFields(in inbound) []zap.Field {
	return append(h.notificationFields(in), zap.Int("max_deliveries", h.maxDeliveries))
}

// acknowledge acknowledges in, which was handled (kind EventAcked) or
// dropped (EventDropped), and remembers its id whether or not the
// acknowledgement succeeds, as oslo's acknowledge does: a failed
// acknowledgement is what makes the broker redeliver, and the
// redelivery must then be recognised as a duplicate. The id is recorded
// before the call too, so a redelivery that overtakes a slow
// acknowledgement (it may take up to the settle timeout) is recognised
// as well; a failure records it again, so the window counts from then.
// The event is kind, or EventAbandoned when the acknowledgement failed.
func (h *handler) acknowledge(in inbound, kind EventKind, endpoint string) {
	d := in.d
	h.dedup.add(in.id)
	ok := h.settle(d, "acknowledge", func(sctx context.Context) error { return d.Ack(sctx) })
	if !ok {
		h.dedup.add(in.id)
	}
	h.settled(ok, kind, in.n.Priority, "", endpoint)
}

// duplicate acknowledges d, a redelivery or a copy of a notification
// acknowledged within the dedup window, without dispatching it. Its
// first acknowledgement may have failed (that is what made the broker
// redeliver): this one settles it. It reports EventDuplicate whatever
// the outcome, so every duplicate kept from the endpoints is counted;
// when this acknowledgement fails too, the id is recorded again so the
// next redelivery is recognised as well.
func (h *handler) duplicate(d transport.Delivery, prio transport.Priority, id dedupID, om *oslo.OsloMessage) {
	h.log.Info("acknowledging a duplicate notification without dispatching it",
		append(h.deliveryFields(d), zap.String("message_id", om.MessageID), zap.String("unique_id", om.UniqueID))...)
	if !h.settle(d, "acknowledge", func(sctx context.Context) error { return d.Ack(sctx) }) {
		h.dedup.add(id)
	}
	h.emit(EventDuplicate, prio, "", "")
}

// deadLetter writes a dead-letter record for d under info.ID (a new id
// when it is empty) and logs it, with fields (what is known of the
// delivery or notification), the id (the record's Hark-Dlq-Id header,
// so the line and the record can be matched), reason, last error,
// endpoint and destination. A transport that cannot dead-letter gets an
// acknowledgement instead, logged at ERROR with the body so the
// notification is not lost silently.
func (h *handler) deadLetter(d transport.Delivery, p transport.Priority, fields []zap.Field, info transport.DeadLetterInfo) {
	if info.ID == "" {
		info.ID = uuid.NewString()
	}
	if !h.caps.DeadLetter {
		_, msg := deadLetterMessage(info.Reason)
		h.log.Error(msg+"; the transport cannot dead-letter, so acknowledging it and logging it here instead",
			append(deadLetterFields(fields, info), zap.ByteString("body", d.Message().Body))...)
		ok := h.settle(d, "acknowledge", func(sctx context.Context) error { return d.Ack(sctx) })
		h.settled(ok, EventDeadLettered, p, info.Reason, info.Endpoint)
		return
	}
	h.logDeadLetter(d, fields, info)
	ok := h.settle(d, "dead-letter", func(sctx context.Context) error { return d.DeadLetter(sctx, info) })
	h.settled(ok, EventDeadLettered, p, info.Reason, info.Endpoint)
}

// logDeadLetter writes the line of a dead letter written to the
// dead-letter target: fields, then the record's id, reason, last error,
// endpoint and destination.
func (h *handler) logDeadLetter(d transport.Delivery, fields []zap.Field, info transport.DeadLetterInfo) {
	lvl, msg := deadLetterMessage(info.Reason)
	h.log.Log(lvl, msg, append(deadLetterFields(fields, info), zap.Stringer("dead_letter_to", h.deadLetterTo(d.Source().Target)))...)
}

// deadLetterFields appends what a dead-letter line says of info.
func deadLetterFields(fields []zap.Field, info transport.DeadLetterInfo) []zap.Field {
	return append(fields,
		zap.String("dead_letter_id", info.ID),
		zap.String("reason", info.Reason),
		zap.String("last_error", info.LastError),
		zap.String("endpoint", info.Endpoint))
}

// deadLetterMessage is the level and message of the log line of a dead
// letter with reason: ERROR for a body that cannot be decoded (the sender
// is broken), WARN for the rest (an endpoint's verdict).
func deadLetterMessage(reason string) (zapcore.Level, string) {
	switch reason {
	case transport.ReasonDecode:
		return zapcore.ErrorLevel, "cannot decode notification; dead-lettering it"
	case transport.ReasonMaxDeliveries:
		return zapcore.WarnLevel, "notification reached its maximum deliveries; dead-lettering it"
	case transport.ReasonRejected:
		return zapcore.WarnLevel, "an endpoint rejected the notification; dead-lettering it"
	}
	return zapcore.WarnLevel, "dead-lettering the notification"
}

// settled reports kind when the settlement succeeded, EventAbandoned when
// it failed (the broker redelivers the message).
func (h *handler) settled(ok bool, kind EventKind, p transport.Priority, reason, endpoint string) {
	if !ok {
		kind, reason = EventAbandoned, ""
	}
	h.emit(kind, p, reason, endpoint)
}

// settle runs one settlement with a deadline of its own (see
// settleContexts), detached from the handler's context so a shutdown does
// not abandon an acknowledgement. It reports whether the settlement
// succeeded; failures are logged.
func (h *handler) settle(d transport.Delivery, what string, f func(context.Context) error) bool {
	err := f(h.settleCtx.get())
	switch {
	case err == nil:
		return true
	case errors.Is(err, transport.ErrLeaseExpired):
		h.log.Warn("could not "+what+" the notification: its lease had expired, so the broker redelivers it", append(h.deliveryFields(d), zap.Error(err))...)
	case errors.Is(err, transport.ErrClosed):
		h.log.Warn("could not "+what+" the notification: the listener was closed, so the broker redelivers it", append(h.deliveryFields(d), zap.Error(err))...)
	default:
		h.log.Error("could not "+what+" the notification; the broker will redeliver it", append(h.deliveryFields(d), zap.Error(err))...)
	}
	return false
}

func (h *handler) deliveryFields(d transport.Delivery) []zap.Field {
	src := d.Source()
	return []zap.Field{
		zap.String("exchange", src.Target.Exchange),
		zap.String("topic", src.Target.Topic),
		zap.String("routing_priority", string(src.Priority)),
		zap.String("pool", src.Pool),
		zap.Int("deliveries", d.Deliveries()),
	}
}

func (h *handler) notificationFields(in inbound) []zap.Field {
	return append(h.deliveryFields(in.d),
		zap.String("message_id", in.n.Metadata.MessageID),
		zap.String("event_type", in.n.EventType),
		zap.String("priority", string(in.n.Priority)))
}

// resultError describes why an outcome was not Handled.
func resultError(out dispatcher.Outcome) string {
	if err := out.Result.Err(); err != nil {
		return err.Error()
	}
	if out.Endpoint != "" {
		return fmt.Sprintf("endpoint %s returned %s", out.Endpoint, out.Result.Action())
	}
	return out.Result.Action().String()
}
