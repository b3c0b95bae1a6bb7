package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// streamDescription starts the description of every stream the transport
// creates; it is how the transport recognises its own streams.
const streamDescription = "hark notifications of exchange "

// streamConfig is the stream of one exchange: every subject under
// "<exchange>.", limits retention (a notification stays for max age, or
// until max bytes discards the oldest, whether or not every group has read
// it: what lets a group that starts later read what was sent before, and
// keeps storage independent of how many groups and subjects there are),
// de-duplication by Nats-Msg-Id.
func (t *Transport) streamConfig(exchange string) jetstream.StreamConfig {
	dups := t.cfg.duplicateWindow
	if t.cfg.maxAge > 0 {
		dups = min(dups, t.cfg.maxAge) // the server's rule
	}
	return jetstream.StreamConfig{
		Name:        StreamName(exchange),
		Description: streamDescription + exchange,
		Subjects:    streamSubjects(exchange),
		Retention:   jetstream.LimitsPolicy,
		Storage:     t.cfg.storage,
		Replicas:    t.cfg.replicas,
		MaxAge:      t.cfg.maxAge,
		MaxBytes:    t.cfg.maxBytes,
		Discard:     jetstream.DiscardOld,
		Duplicates:  dups,
	}
}

// ensureStream makes sure the stream of exchange exists and returns its
// name. A stream made by an earlier hark with interest retention (whose
// consumers were one per subject) is moved to limits retention, without
// which a notification sent while no group listens is not kept. A stream
// made by an operator with other settings is used as it is, unless its
// retention cannot give hark's semantics.
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
		switch {
		case got.Retention == jetstream.WorkQueuePolicy:
			return fmt.Errorf("nats: stream %s has work-queue retention, which allows one consumer per subject; hark needs one per group: delete it or give it limits retention", name)
		case got.Retention == jetstream.InterestPolicy && strings.HasPrefix(got.Description, streamDescription):
			return t.migrateStream(ctx, name, got, want)
		}
		t.log.Info("nats: using an existing stream whose settings differ from this transport's",
			zap.String("stream", name), zap.String("retention", got.Retention.String()),
			zap.Duration("max_age", got.MaxAge), zap.Int64("max_bytes", got.MaxBytes),
			zap.Int("replicas", got.Replicas), zap.String("storage", got.Storage.String()))
		return nil
	})
	return name, err
}

// migrateStream moves a stream an earlier hark made with interest
// retention to limits retention (nats-server allows that change), keeping
// its replicas and storage. The earlier consumers, one per group and
// subject, hold nothing any more under limits retention; a group's new
// consumer starts where they had got to (see predecessors).
func (t *Transport) migrateStream(ctx context.Context, name string, got, want jetstream.StreamConfig) error {
	want.Replicas, want.Storage = got.Replicas, got.Storage
	if _, err := t.js.UpdateStream(ctx, want); err != nil {
		return fmt.Errorf("nats: stream %s has interest retention (made by an earlier hark) and cannot be moved to limits retention: %w", name, err)
	}
	t.log.Info("nats: moved a stream made by an earlier hark from interest to limits retention",
		zap.String("stream", name), zap.Duration("max_age", want.MaxAge), zap.Int64("max_bytes", want.MaxBytes))
	return nil
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
