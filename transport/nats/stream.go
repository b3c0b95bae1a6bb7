package nats

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// streamConfig is the stream of one exchange: every subject under
// "<exchange>.", interest retention (a message stays until every consumer
// (group) that wants it has acknowledged it, or max_age/max_bytes says
// otherwise), de-duplication by Nats-Msg-Id.
func (t *Transport) streamConfig(exchange string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamName(exchange),
		Description: "hark notifications of exchange " + exchange,
		Subjects:    streamSubjects(exchange),
		Retention:   jetstream.InterestPolicy,
		Storage:     t.cfg.storage,
		Replicas:    t.cfg.replicas,
		MaxAge:      t.cfg.maxAge,
		MaxBytes:    t.cfg.maxBytes,
		Discard:     jetstream.DiscardOld,
		Duplicates:  t.cfg.duplicateWindow,
	}
}

// ensureStream makes sure the stream of exchange exists and returns its
// name. A stream made earlier with other settings (by another version, or
// an operator) is used as it is, unless its retention cannot give hark's
// semantics.
func (t *Transport) ensureStream(ctx context.Context, exchange string) (string, error) {
	name := StreamName(exchange)
	err := t.streams.do(ctx, name, func(ctx context.Context) error {
		want := t.streamConfig(exchange)
		_, err := t.js.CreateStream(ctx, want)
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return streamError(name, exchange, err)
		}
		s, err := t.js.Stream(ctx, name)
		if err != nil {
			return streamError(name, exchange, err)
		}
		got := s.CachedInfo().Config
		if got.Retention == jetstream.WorkQueuePolicy {
			return fmt.Errorf("nats: stream %s has work-queue retention, which allows one consumer per subject; hark needs one per group: delete it or give it limits or interest retention", name)
		}
		t.log.Info("nats: using an existing stream whose settings differ from this transport's",
			zap.String("stream", name), zap.String("retention", got.Retention.String()),
			zap.Duration("max_age", got.MaxAge), zap.Int64("max_bytes", got.MaxBytes),
			zap.Int("replicas", got.Replicas), zap.String("storage", got.Storage.String()))
		return nil
	})
	return name, err
}

// errCodeSubjectsOverlap is nats-server's JSStreamSubjectOverlapErr, which
// nats.go has no constant for.
const errCodeSubjectsOverlap jetstream.ErrorCode = 10065

func streamError(name, exchange string, err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeSubjectsOverlap {
		return fmt.Errorf("nats: create stream %s: subject %q is already captured by another stream; hark needs a stream of its own per exchange: %w", name, exchange+".>", err)
	}
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		return fmt.Errorf("nats: create stream %s: %w (enable JetStream on the server, or use ?mode=core)", name, err)
	}
	return fmt.Errorf("nats: create stream %s: %w", name, err)
}
