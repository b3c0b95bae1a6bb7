package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// jsSub is one consumer of a listener (one group on one subject) and the
// goroutine pulling from it.
//
// It speaks the pull protocol itself rather than through nats.go's
// Consumer.Fetch, for one reason: a Fetch cancelled through its context
// drops messages the client has already received but not yet handed over
// (they come back only when their lease runs out), and a listener must be
// able to stop at once without that. Here each pull request has its own
// synchronous subscription (as in Fetch), and a request cut short by Stop
// is drained: unsubscribe, then a round trip to the server, after which
// every message the server sent for it has arrived and is given back.
type jsSub struct {
	l      *jsListener
	k      key
	stream string
	name   string
	source transport.Source
	// lease is the consumer's AckWait as the server has it.
	lease      time.Duration
	reqSubject string
	// lastGot is how many messages the last pull request brought; the next
	// asks for up to twice as many, so an idle consumer holds one slot in
	// its long poll and a busy one grows to full batches. Owned by the
	// puller goroutine.
	lastGot int
}

// Pull requests. A long poll stays open for pullExpiry, with an idle
// heartbeat every pullHeartbeat, so a request lost with a restarted server
// is noticed after two missed heartbeats.
const (
	pullExpiry    = 30 * time.Second
	pullHeartbeat = 2 * time.Second
	// noWaitTimeout bounds the wait for the answer to a no-wait request.
	noWaitTimeout = 5 * time.Second
	// drainTimeout bounds the wait for a stopped request's subscription
	// to drain.
	drainTimeout = 5 * time.Second
	// statusRoom is the room for status messages in a request's channel.
	statusRoom = 16
)

// pullRequest is the JSON body of $JS.API.CONSUMER.MSG.NEXT (ADR-13).
type pullRequest struct {
	Batch     int           `json:"batch"`
	Expires   time.Duration `json:"expires,omitempty"`
	NoWait    bool          `json:"no_wait,omitempty"`
	Heartbeat time.Duration `json:"idle_heartbeat,omitempty"`
}

func newJSSub(l *jsListener, k key, stream string, cons jetstream.Consumer) *jsSub {
	s := &jsSub{
		l:      l,
		k:      k,
		stream: stream,
		source: transport.Source{
			Target:   transport.Target{Exchange: k.exchange, Topic: k.topic},
			Priority: k.priority,
			Pool:     l.cfg.Pool,
		},
		lease:   l.cfg.Lease,
		lastGot: l.maxBatch,
	}
	info := cons.CachedInfo()
	s.name = info.Name
	if info.Config.AckWait > 0 {
		s.lease = info.Config.AckWait
	}
	s.reqSubject = jetstream.DefaultAPIPrefix + "CONSUMER.MSG.NEXT." + stream + "." + s.name
	return s
}

// run pulls until intake ends: it waits for free slots, asks for that
// many messages, and gives back the slots the request did not fill.
func (s *jsSub) run() {
	l := s.l
	failures := 0
	for {
		// Cap each consumer at its fair share of the prefetch, so every
		// consumer (one per subject) always has a pull request
		// outstanding: otherwise one busy subject's long poll can hold
		// the slots another subject needs until the poll expires.
		hi := min(l.maxBatch, max(1, 2*s.lastGot), max(1, l.cfg.Prefetch/len(l.subs)))
		lo := 1
		if l.buffered() > 0 {
			// Work is queued: wait for a worthwhile batch rather than
			// sending one request per settled message (Next lowers this
			// to one slot when it finds nothing to hand out).
			lo = max(1, hi/2)
		}
		n, err := l.slots.acquire(l.intake, lo, hi)
		if err != nil {
			return // intake ended
		}
		got, err := s.pull(n, l.rotate)
		l.slots.release(n - got)
		s.lastGot = got
		if l.intake.Err() != nil {
			return
		}
		if err == nil {
			failures = 0
			if l.rotate && got == 0 {
				// Nothing here: let the other consumers have the slot.
				select {
				case <-time.After(rotatePause):
				case <-l.intake.Done():
					return
				}
			}
			continue
		}
		failures++
		s.recover(err, failures)
	}
}

// pull sends one pull request for n messages and hands what it brings to
// the listener, until the batch is complete or the server ends the
// request. It returns how many messages arrived.
func (s *jsSub) pull(n int, noWait bool) (int, error) {
	l := s.l
	nc := l.t.nc
	inbox := nc.NewInbox()
	// Room for the batch and the statuses that may come with it; a sync
	// subscription would allocate nats.go's default 64k-slot channel per
	// request.
	ch := make(chan *natsgo.Msg, n+statusRoom)
	sub, err := nc.ChanSubscribe(inbox, ch)
	if err != nil {
		return 0, err
	}
	req := pullRequest{Batch: n, Expires: pullExpiry, Heartbeat: pullHeartbeat}
	wait := 2 * pullHeartbeat
	if noWait {
		req = pullRequest{Batch: n, NoWait: true}
		wait = noWaitTimeout
	}
	body, _ := json.Marshal(req) // a struct of numbers always marshals
	if err := nc.PublishRequest(s.reqSubject, inbox, body); err != nil {
		_ = sub.Unsubscribe()
		return 0, err
	}
	// The request is lost when nothing (message or heartbeat) arrives for
	// wait. One context serves the whole request, its deadline moved only
	// when it fires: a timer per message would cost more than the message.
	lastSeen := time.Now()
	var w window
	w.set(l.intake, lastSeen.Add(wait))
	defer w.stop()
	reconnected := l.t.reconnected()
	got := 0
	for got < n {
		var m *natsgo.Msg
		select {
		case m = <-ch:
			lastSeen = time.Now()
		case <-reconnected:
			// A restarted server forgot the request; one that only lost
			// the connection may still serve it. End it either way, keeping
			// what it brought, and ask the server we have now.
			for _, m := range s.collect(sub, ch) {
				got++
				l.receive(s, m)
			}
			return got, nil
		case <-w.ctx.Done():
			switch {
			case l.intake.Err() != nil:
				s.giveBack(s.collect(sub, ch))
				return got, nil
			case time.Since(lastSeen) < wait:
				w.set(l.intake, lastSeen.Add(wait))
				continue
			}
			_ = sub.Unsubscribe()
			return got, fmt.Errorf("%w (connection %s)", errNoHeartbeat, nc.Status())
		}
		if isJetStreamMsg(m) {
			got++
			l.receive(s, m)
			continue
		}
		done, err := pullStatus(m)
		if done || err != nil {
			_ = sub.Unsubscribe()
			return got, err
		}
	}
	// Complete: the server sends nothing more for this request.
	_ = sub.Unsubscribe()
	return got, nil
}

// errNoHeartbeat: a long poll went silent; the server lost the request.
var errNoHeartbeat = errors.New("nats: no heartbeat from an open pull request")

// window is a context with a deadline that can be moved.
type window struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (w *window) set(parent context.Context, deadline time.Time) {
	w.stop()
	w.ctx, w.cancel = context.WithDeadline(parent, deadline)
}

func (w *window) stop() {
	if w.cancel != nil {
		w.cancel()
	}
}

// isJetStreamMsg: a delivery carries its ack subject as reply; statuses
// (heartbeats, timeouts, conflicts) have none.
func isJetStreamMsg(m *natsgo.Msg) bool {
	return strings.HasPrefix(m.Reply, "$JS.ACK.")
}

// pullStatus interprets a status message of a pull request: whether the
// request is over, and whether that is an error.
func pullStatus(m *natsgo.Msg) (done bool, err error) {
	code := m.Header.Get("Status")
	desc := m.Header.Get("Description")
	switch code {
	case "100": // idle heartbeat
		return false, nil
	case "404", "408": // no messages (no-wait), request expired
		return true, nil
	case "409":
		d := strings.ToLower(desc)
		switch {
		case strings.Contains(d, "consumer deleted"):
			return true, jetstream.ErrConsumerDeleted
		case strings.Contains(d, "leadership change"), strings.Contains(d, "batch completed"),
			strings.Contains(d, "server shutdown"):
			// The request is over; the next one goes to the new leader,
			// or waits in the reconnect buffer for the restarted server.
			return true, nil
		}
	case "503":
		// No responders: the consumer does not exist (any more).
		return true, jetstream.ErrConsumerNotFound
	}
	return true, fmt.Errorf("nats: pull request ended with status %s %s", code, desc)
}

// collect ends an open request early. It drains the request's
// subscription (unsubscribe, but keep receiving) and waits for a round
// trip to the server, after which every message the server sent for the
// request is in ch, and returns them; the server drops the request
// itself, as its reply subject has no interest any more.
func (s *jsSub) collect(sub *natsgo.Subscription, ch chan *natsgo.Msg) []*natsgo.Msg {
	nc := s.l.t.nc
	if err := sub.Drain(); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
		_ = nc.FlushWithContext(ctx)
		cancel()
	}
	_ = sub.Unsubscribe()
	var msgs []*natsgo.Msg
	for {
		select {
		case m := <-ch:
			if isJetStreamMsg(m) {
				msgs = append(msgs, m)
			}
			continue
		default:
		}
		return msgs
	}
}

// giveBack returns the messages a request brought as Stop cut it short,
// at once: no request of this listener can receive them again.
func (s *jsSub) giveBack(msgs []*natsgo.Msg) {
	for _, m := range msgs {
		if err := m.Nak(); err != nil {
			s.l.t.log.Debug("nats: cannot give a message back; its lease brings it back", zap.Error(err))
		}
	}
	if len(msgs) > 0 {
		s.l.t.log.Debug("nats: gave back messages that arrived as the listener stopped",
			zap.String("consumer", s.name), zap.Int("count", len(msgs)))
	}
}

// recover logs a failed pull and waits before the next one, backing off
// from 100ms to 5s; when the consumer or stream is gone (a server that
// lost its store, an operator's delete) it is made again.
func (s *jsSub) recover(err error, failures int) {
	l := s.l
	log := l.t.log.With(zap.String("stream", s.stream), zap.String("consumer", s.name), zap.Int("failures", failures), zap.Error(err))
	if failures == 1 || failures%20 == 0 {
		log.Warn("nats: pull request failed; retrying")
	}
	select {
	case <-time.After(backoff(100*time.Millisecond, 5*time.Second, failures)):
	case <-l.intake.Done():
		return
	}
	if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
		l.t.streams.reset()
		ctx, cancel := context.WithTimeout(l.intake, 10*time.Second)
		defer cancel()
		if _, _, cerr := l.t.ensureConsumer(ctx, l.cfg.Pool, s.k, l.cfg.Lease); cerr != nil {
			log.Warn("nats: cannot make the consumer again", zap.NamedError("cause", cerr))
			return
		}
		log.Info("nats: consumer made again")
	}
}

// deadLetterExpired dead-letters a message whose last allowed delivery's
// lease ran out (it arrives as delivery MaxDeliveries+1 and is never
// handed out). If the record cannot be written, the message is requeued
// after a delay and tried again, never dropped.
func (s *jsSub) deadLetterExpired(m *natsgo.Msg, meta *natsgo.MsgMetadata) {
	l := s.l
	limit := l.cfg.MaxDeliveries
	id, hdr, _ := decodeHeader(m.Header, m.Subject)
	orig := transport.Message{ID: id, Body: m.Data, Header: hdr}
	info := transport.DeadLetterInfo{
		Reason:    transport.ReasonMaxDeliveries,
		LastError: fmt.Sprintf("lease of %s expired on delivery %d of at most %d", s.lease, limit, limit),
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.t.cfg.publishTimeout)
	defer cancel()
	err := l.t.publishDeadLetter(ctx, l.cfg.DeadLetterTarget(s.source.Target), s.source, orig, limit, info, dedupID(meta.Stream, meta.Consumer, meta.Sequence.Stream))
	if err != nil {
		l.t.log.Error("nats: cannot dead-letter a message past its max deliveries; it will be retried",
			zap.String("message_id", id), zap.Uint64("stream_seq", meta.Sequence.Stream), zap.Error(err))
		_ = m.NakWithDelay(backoff(time.Second, 30*time.Second, int(meta.NumDelivered)-limit))
		return
	}
	if err := m.Term(); err != nil {
		// The record is written; a redelivery writes it again under the
		// same de-duplication ID, which the stream drops.
		l.t.log.Warn("nats: cannot terminate a dead-lettered message", zap.String("message_id", id), zap.Error(err))
	}
}

// dedupID is the Nats-Msg-Id of a dead-letter record: one per
// (stream, consumer, stream sequence).
func dedupID(stream, consumer string, seq uint64) string {
	return fmt.Sprintf("hark-dlq:%s:%s:%d", stream, consumer, seq)
}
