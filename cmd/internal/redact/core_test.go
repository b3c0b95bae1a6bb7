package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/cmd/internal/redact"
)

type stringer string

func (s stringer) String() string { return string(s) }

// TestCoreRedactsText logs a secret in every text position, in both
// encoders harkd uses, and finds it nowhere in the output.
func TestCoreRedactsText(t *testing.T) {
	const secret = `tok"en\1234`
	for name, enc := range map[string]zapcore.Encoder{
		"json":    zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		"console": zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			r := redact.New(secret)
			log := zap.New(redact.Core(zapcore.NewCore(enc, zapcore.AddSync(&buf), zap.DebugLevel), r))
			log.With(zap.String("with", "w "+secret)).Info("message "+secret,
				zap.String("s", secret),
				zap.ByteString("b", []byte("b "+secret)),
				zap.Error(fmt.Errorf("wrapped: %w", errors.New(secret))),
				zap.Stringer("st", stringer("st "+secret)),
				zap.Int("n", 7),
				zap.Strings("names", []string{"kept"}))
			out := buf.String()
			assert.NotContains(t, out, "1234", out)
			assert.Contains(t, out, redact.Marker)
			assert.Contains(t, out, "kept")
			assert.Contains(t, out, "7")
		})
	}
}

// TestCoreKeepsCallerFields checks the caller's field slice is not
// modified and levels still filter.
func TestCoreKeepsCallerFields(t *testing.T) {
	var buf bytes.Buffer
	core := redact.Core(zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg"}),
		zapcore.AddSync(&buf), zap.InfoLevel), redact.New("secret-value"))
	log := zap.New(core)
	fs := []zap.Field{zap.String("k", "secret-value")}
	log.Info("m", fs...)
	assert.Equal(t, "secret-value", fs[0].String)
	log.Debug("secret-value")
	require.Equal(t, `{"msg":"m","k":"REDACTED"}`+"\n", buf.String())
}

// TestCoreWithoutSecretsPassesLinesThrough: with no secret configured, a
// line reaches the wrapped core as it was written: an error field stays
// the caller's error (its verbose form included), not a copy of its text.
func TestCoreWithoutSecretsPassesLinesThrough(t *testing.T) {
	rec, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(redact.Core(rec, redact.New()))
	err := fmt.Errorf("wrapped: %w", io.EOF)
	log.Info("hello", zap.Error(err))
	entries := logs.All()
	require.Len(t, entries, 1)
	require.Len(t, entries[0].Context, 1)
	assert.Same(t, err, entries[0].Context[0].Interface)
}
