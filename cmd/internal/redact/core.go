package redact

import (
	"fmt"

	"go.uber.org/zap/zapcore"
)

// Core returns a zapcore.Core that writes to c with secrets redacted from
// the message and from the text fields: strings, byte strings, errors and
// Stringers (an error becomes its redacted message, without the verbose
// form or causes that could repeat the secret). Structured fields (zap.Any
// of a map, zap.Reflect, object and array marshalers) pass unchanged:
// harkd logs notifications' payloads and contexts that way, which are the
// publishers' data, not configuration. With r nil, Core returns c.
func Core(c zapcore.Core, r *Redactor) zapcore.Core {
	if r == nil {
		return c
	}
	return &core{Core: c, r: r}
}

type core struct {
	zapcore.Core
	r *Redactor
}

func (c *core) With(fs []zapcore.Field) zapcore.Core {
	if c.r.empty() {
		// Secrets are only added, so fields a child takes now stay clean;
		// its later lines still go through the redactor.
		return &core{Core: c.Core.With(fs), r: c.r}
	}
	return &core{Core: c.Core.With(c.fields(fs)), r: c.r}
}

// Check adds c, not the wrapped core, so Write goes through c.
func (c *core) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *core) Write(e zapcore.Entry, fs []zapcore.Field) error {
	if c.r.empty() {
		// No secret configured (harkd's default): the line as it is, at
		// no cost; its log endpoint writes one per notification.
		return c.Core.Write(e, fs)
	}
	e.Message = c.r.String(e.Message)
	e.Stack = c.r.String(e.Stack)
	return c.Core.Write(e, c.fields(fs))
}

// fields returns fs with its text fields redacted, copying fs only when
// one changes (the caller's slice is not ours to modify).
func (c *core) fields(fs []zapcore.Field) []zapcore.Field {
	out, copied := fs, false
	for i, f := range fs {
		g, ok := c.field(f)
		if !ok {
			continue
		}
		if !copied {
			out, copied = append([]zapcore.Field(nil), fs...), true
		}
		out[i] = g
	}
	return out
}

// field returns f redacted and true, or false when f is unchanged.
func (c *core) field(f zapcore.Field) (zapcore.Field, bool) {
	var s string
	switch f.Type {
	case zapcore.StringType:
		s = f.String
	case zapcore.ByteStringType:
		s = string(f.Interface.([]byte))
	case zapcore.ErrorType, zapcore.StringerType:
		var ok bool
		if s, ok = text(f.Interface); !ok {
			return f, false // zap reports the panic itself
		}
	default:
		return f, false
	}
	red := c.r.String(s)
	if red == s && (f.Type == zapcore.StringType || f.Type == zapcore.ByteStringType) {
		return f, false
	}
	switch f.Type {
	case zapcore.ErrorType:
		f.Interface = plainError(red)
	case zapcore.ByteStringType:
		f.Interface = []byte(red)
	default:
		f.Type, f.String, f.Interface = zapcore.StringType, red, nil
	}
	return f, true
}

// text returns v's Error() or String(), false if that panics.
func text(v any) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	switch t := v.(type) {
	case error:
		return t.Error(), true
	case fmt.Stringer:
		return t.String(), true
	}
	return "", false
}

// plainError is an error that is only its message.
type plainError string

func (e plainError) Error() string { return string(e) }
