package main

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/redact"
)

// newLogger builds harkd's logger writing to w, with r's secrets redacted
// (redact.Core). It never samples: the log endpoint writes one line per
// notification, and a sampled audit log would silently miss some (zap's
// production config samples).
func newLogger(c config.Log, w io.Writer, r *redact.Redactor) (*zap.Logger, zap.AtomicLevel, error) {
	lvl, err := zap.ParseAtomicLevel(c.Level)
	if err != nil {
		return nil, lvl, err
	}
	var enc zapcore.Encoder
	if c.Format == "console" {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc = zapcore.NewConsoleEncoder(ec)
	} else {
		ec := zap.NewProductionEncoderConfig()
		ec.TimeKey = "time"
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	}
	core := redact.Core(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl), r)
	return zap.New(core, zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(w)))), lvl, nil
}
