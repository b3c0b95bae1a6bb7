package redact

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Marker is what a redacted value is replaced with.
const Marker = "REDACTED"

// MinLength is the length, in bytes, below which a value is not redacted
// from text. A value that short is no secret worth the name (it can be
// guessed), and replacing it wherever it occurs would mangle every line
// that happens to contain "yes", "true" or "hook". (--print-config still
// hides such values: it redacts by position, not only by value.)
const MinLength = 6

// Redactor replaces secret values in text with Marker. The zero value and
// nil redact nothing. It is safe for concurrent use.
type Redactor struct {
	mu      sync.Mutex // serialises Add
	secrets map[string]struct{}
	rep     atomic.Pointer[strings.Replacer]
}

// New returns a Redactor for secrets (see Add).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add adds secrets; values shorter than MinLength are ignored. Secrets are
// never removed: a reload adds the new config's values and keeps the old
// ones, since the old listener's last lines may still be written.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets == nil {
		r.secrets = map[string]struct{}{}
	}
	n := len(r.secrets)
	for _, s := range secrets {
		for _, f := range forms(s) {
			if len(f) >= MinLength {
				r.secrets[f] = struct{}{}
			}
		}
	}
	if len(r.secrets) == n {
		return
	}
	all := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		all = append(all, s)
	}
	// Longest first: where two secrets match at the same place (a header
	// value and the token inside it), strings.Replacer takes the first
	// listed, so the whole of the longer one goes.
	slices.SortFunc(all, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	pairs := make([]string, 0, 2*len(all))
	for _, s := range all {
		pairs = append(pairs, s, Marker)
	}
	r.rep.Store(strings.NewReplacer(pairs...))
}

// String returns s with every secret replaced by Marker.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	rep := r.rep.Load()
	if rep == nil || s == "" {
		return s
	}
	return rep.Replace(s)
}

// empty reports whether r knows no secret yet.
func (r *Redactor) empty() bool {
	return r == nil || r.rep.Load() == nil
}

// Error returns err with its message redacted: an error whose Error() is
// the redacted message and which unwraps to err, so errors.Is still
// recognises the sentinels behind it. It returns err itself when there is
// nothing to redact, and nil for nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// redactedError is an error whose message was redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// forms returns s as it may appear once printed: as is, percent-encoded
// (a URL's path or query), quoted by Go's %q, and escaped in a JSON log
// line (zap's escaping, which differs from encoding/json's for some
// control characters).
func forms(s string) []string {
	if s == "" {
		return nil
	}
	out := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	if q := strconv.Quote(s); len(q) >= 2 {
		out = append(out, q[1:len(q)-1])
	}
	if j, ok := zapJSON(s); ok {
		out = append(out, j)
	}
	return out
}

// zapJSON returns s escaped as zap's JSON encoder writes a string value.
func zapJSON(s string) (string, bool) {
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{})
	buf, err := enc.EncodeEntry(zapcore.Entry{}, []zap.Field{zap.String("v", s)})
	if err != nil {
		return "", false
	}
	defer buf.Free()
	out, ok := strings.CutPrefix(strings.TrimSpace(buf.String()), `{"v":"`)
	if !ok {
		return "", false
	}
	out, ok = strings.CutSuffix(out, `"}`)
	return out, ok
}
