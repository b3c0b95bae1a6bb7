package nats

import (
	"context"
	"errors"
	"fmt"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// jsSub is one consumer of a listener: one group on one subject, and the
// goroutine pulling from it.
type jsSub struct {
	l      *jsListener
	k      key
	stream string
	name   string
	cons   jetstream.Consumer
	source transport.Source
	// lease is the consumer's AckWait as the server has it.
	lease time.Duration
	// lastGot is how many messages the last pull request brought; the next
	// asks for up to twice as many, so an idle consumer holds one slot in
	// its long poll and a busy one grows to full batches.
	lastGot int
}

func newJSSub(l *jsListener, k key, stream string, cons jetstream.Consumer) *jsSub {
	s := &jsSub{
		l:      l,
		k:      k,
		stream: stream,
		cons:   cons,
		source: transport.Source{
			Target:   transport.Target{Exchange: k.exchange, Topic: k.topic},
			Priority: k.priority,
			Pool:     l.cfg.Pool,
		},
		lease:   l.cfg.Lease,
		lastGot: l.maxBatch,
	}
	if info := cons.CachedInfo(); info != nil {
		s.name = info.Name
		if info.Config.AckWait > 0 {
			s.lease = info.Config.AckWait
		}
	}
	return s
}

// run pulls until intake ends: it waits for free slots, asks for that
// many messages, and gives back the slots the request did not fill.
func (s *jsSub) run() {
	l := s.l
	failures := 0
	for {
		hi := min(l.maxBatch, max(1, 2*s.lastGot))
		lo := 1
		if l.buffered() > 0 {
			// Work is queued: wait for a worthwhile batch rather than
			// sending one request per settled message.
			lo = max(1, hi/2)
		}
		n, err := l.slots.acquire(l.intake, lo, hi)
		if err != nil {
			return // intake ended
		}
		var got int
		if l.rotate {
			got, err = s.fetchNoWait(n)
		} else {
			got, err = s.fetch(n)
		}
		l.slots.release(n - got)
		s.lastGot = got
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
		if l.intake.Err() != nil {
			return
		}
		failures++
		s.recover(err, failures)
	}
}

// fetch sends one long-poll pull request for n messages and receives
// what it brings until the batch is complete or the request expires
// (pullExpiry; heartbeats tell a lost request, e.g. after a server
// restart, within 2×pullHeartbeat). Its context is cancelled only by
// Stop: a client-side deadline racing the server's expiry could drop a
// message already on its way, which would then wait for its lease.
func (s *jsSub) fetch(n int) (int, error) {
	batch, err := s.cons.Fetch(n, jetstream.FetchContext(s.l.intake), jetstream.FetchHeartbeat(pullHeartbeat))
	if err != nil {
		return 0, err
	}
	return s.drain(batch)
}

// fetchNoWait asks for what is available now; the server answers at once,
// so no request stays open holding slots other consumers need.
func (s *jsSub) fetchNoWait(n int) (int, error) {
	batch, err := s.cons.FetchNoWait(n)
	if err != nil {
		return 0, err
	}
	return s.drain(batch)
}

func (s *jsSub) drain(batch jetstream.MessageBatch) (int, error) {
	got := 0
	for m := range batch.Messages() {
		got++
		s.l.receive(s, m)
	}
	err := batch.Error()
	if errors.Is(err, context.Canceled) {
		err = nil // Stop
	}
	return got, err
}

// recover logs a failed pull and waits before the next one, backing off
// from 100ms to 5s; when the consumer or stream is gone (a server that
// lost its store, an operator's delete) it is made again.
func (s *jsSub) recover(err error, failures int) {
	log := s.l.t.log.With(zap.String("stream", s.stream), zap.String("consumer", s.name), zap.Int("failures", failures), zap.Error(err))
	if failures == 1 || failures%20 == 0 {
		log.Warn("nats: pull request failed; retrying")
	}
	wait := backoff(100*time.Millisecond, 5*time.Second, failures)
	select {
	case <-time.After(wait):
	case <-s.l.intake.Done():
		return
	}
	if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, natsgo.ErrNoResponders) || errors.Is(err, jetstream.ErrStreamNotFound) {
		s.l.t.streams.reset()
		ctx, cancel := context.WithTimeout(s.l.intake, 10*time.Second)
		defer cancel()
		_, cons, cerr := s.l.t.ensureConsumer(ctx, s.l.cfg.Pool, s.k, s.l.cfg.Lease)
		if cerr != nil {
			log.Warn("nats: cannot make the consumer again", zap.NamedError("cause", cerr))
			return
		}
		s.cons = cons
		log.Info("nats: consumer made again")
	}
}

// deadLetterExpired dead-letters a message whose last allowed delivery's
// lease ran out (it arrives as delivery MaxDeliveries+1, never handed
// out). If the record cannot be written, the message is requeued after a
// delay and tried again, never dropped.
func (s *jsSub) deadLetterExpired(m jetstream.Msg, meta *jetstream.MsgMetadata) {
	l := s.l
	limit := l.cfg.MaxDeliveries
	id, hdr, _ := decodeHeader(m.Headers())
	orig := transport.Message{ID: id, Body: m.Data(), Header: hdr}
	info := transport.DeadLetterInfo{
		Reason:    transport.ReasonMaxDeliveries,
		LastError: fmt.Sprintf("lease of %s expired on delivery %d of at most %d", s.lease, limit, limit),
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.t.cfg.publishTimeout)
	defer cancel()
	err := l.t.publishDeadLetter(ctx, l.cfg.DeadLetterTarget(s.source.Target), s.source, orig, limit, info, s.dedupID(meta))
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
func (s *jsSub) dedupID(meta *jetstream.MsgMetadata) string {
	return fmt.Sprintf("hark-dlq:%s:%s:%d", meta.Stream, meta.Consumer, meta.Sequence.Stream)
}
