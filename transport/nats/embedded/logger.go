package embedded

import (
	"errors"
	"fmt"
	"sync"

	"go.uber.org/zap"
)

// zapLogger adapts zap to nats-server's Logger interface. Fatalf does not
// exit (nats-server's own logger would): it logs at Error and keeps the
// message, so Start can report why the server never became ready.
type zapLogger struct {
	l *zap.SugaredLogger

	mu        sync.Mutex
	lastFatal string
}

func newZapLogger(l *zap.Logger) *zapLogger {
	if l == nil {
		l = zap.NewNop()
	}
	return &zapLogger{l: l.Named("nats-server").WithOptions(zap.AddCallerSkip(1)).Sugar()}
}

func (z *zapLogger) Noticef(format string, v ...any) { z.l.Infof(format, v...) }
func (z *zapLogger) Warnf(format string, v ...any)   { z.l.Warnf(format, v...) }
func (z *zapLogger) Errorf(format string, v ...any)  { z.l.Errorf(format, v...) }
func (z *zapLogger) Debugf(format string, v ...any)  { z.l.Debugf(format, v...) }
func (z *zapLogger) Tracef(format string, v ...any)  { z.l.Debugf(format, v...) }

func (z *zapLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	z.l.Error(msg)
	z.mu.Lock()
	z.lastFatal = msg
	z.mu.Unlock()
}

// fatal returns the last fatal message as an error, or nil.
func (z *zapLogger) fatal() error {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.lastFatal == "" {
		return nil
	}
	return errors.New(z.lastFatal)
}
