package redact_test

import (
	"io"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/cmd/internal/redact"
)

// BenchmarkCore logs a line shaped like the log endpoint's (eight fields,
// a reflected payload) without the wrapper, with it and no secrets, and
// with it and ten secrets.
func BenchmarkCore(b *testing.B) {
	payload := map[string]any{"instance_id": "i-1", "state": "active"}
	for _, bc := range []struct {
		name string
		r    *redact.Redactor
	}{{"plain", nil}, {"no-secrets", redact.New()}, {"ten-secrets", redact.New(
		"SECRET-000001", "SECRET-000002", "SECRET-000003", "SECRET-000004", "SECRET-000005",
		"SECRET-000006", "SECRET-000007", "SECRET-000008", "SECRET-000009", "SECRET-000010")}} {
		b.Run(bc.name, func(b *testing.B) {
			core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)
			log := zap.New(redact.Core(core, bc.r)).With(zap.String("endpoint", "audit"))
			b.ReportAllocs()
			for b.Loop() {
				log.Info("notification", zap.String("priority", "info"), zap.String("event_type", "compute.instance.create.end"),
					zap.String("publisher_id", "compute.host1"), zap.String("message_id", "11111111-2222-3333-4444-555555555555"),
					zap.String("timestamp", "2024-01-01 00:00:00.000000"), zap.Int("deliveries", 1),
					zap.Reflect("payload", payload), zap.Reflect("context", payload))
			}
		})
	}
}
