package dispatcher

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// FilterSpec is a filter as written in config: each value is a regular
// expression with Python re.match semantics (anchored at the start, not the
// end). Context, Metadata and Payload are flat maps of top-level key to
// regex.
type FilterSpec struct {
	// PublisherID is matched against Notification.PublisherID; "" = any.
	PublisherID string `json:"publisher_id,omitempty" koanf:"publisher_id"`
	// EventType is matched against Notification.EventType; "" = any.
	EventType string `json:"event_type,omitempty" koanf:"event_type"`
	// Context maps a request-context key to the pattern its string value
	// must match.
	Context map[string]string `json:"context,omitempty" koanf:"context"`
	// Metadata maps "message_id" or "timestamp" to the pattern its value
	// must match; any other key never matches.
	Metadata map[string]string `json:"metadata,omitempty" koanf:"metadata"`
	// Payload maps a top-level payload key to the pattern its string value
	// must match.
	Payload map[string]string `json:"payload,omitempty" koanf:"payload"`
}

// Filter is a compiled FilterSpec (oslo's NotificationFilter). A Filter is
// immutable and safe for concurrent use. The nil *Filter matches every
// notification.
type Filter struct {
	spec        FilterSpec
	publisherID *pattern     // nil: not set
	eventType   *pattern     // nil: not set
	context     []keyPattern // sorted by key
	metadata    []keyPattern
	payload     []keyPattern
}

// keyPattern is one entry of a dict filter.
type keyPattern struct {
	key string
	re  *pattern
}

// NewFilter compiles spec. A pattern that is not a valid Python regular
// expression, or that hark cannot match exactly as Python does, is an error
// naming the field, the pattern and the construct.
//
// Each pattern is a Python 3.11 regular expression (str pattern) compiled
// for re.match semantics: it must match at the start of the value, not
// necessarily up to its end ("comp" matches "compute.host", "host" does
// not; use $ to match the whole value). An empty pattern matches every
// string, and so do PublisherID and EventType when empty. Python's rules
// are kept where RE2's differ: \d, \w and \s are Unicode (str.isdecimal,
// str.isalnum or '_', str.isspace) unless (?a); (?i) folds as Python does
// ("İ" matches (?i)i, "ſ" matches (?i)s, "K" (Kelvin) matches (?i)k); $
// also matches before a final newline; (?x) verbose patterns, (?#...)
// comments, \Z, {,n}, octal and \uXXXX escapes and scoped flags are
// understood; and what Python rejects is rejected (\z, \pL, \x{41}, $*,
// (?), a(?i)b, ...).
//
// Refused although Python accepts them, because Go's RE2 engine cannot match
// them exactly: lookahead and lookbehind, backreferences, conditionals,
// atomic groups and possessive quantifiers; \b and \B outside (?a) (RE2's
// word boundaries are ASCII-only: write (?a)\b); a $ (without (?m)) that
// more of the pattern follows, or inside a group repeated more than once
// (write \Z for the end of the value); \N{name}; the t flag; repeat counts
// above 1000. Character data is Go's Unicode version (15.0), so the few
// characters added since Python's (14.0 in Python 3.11) differ.
//
// The error is a *FilterError wrapping ErrInvalidFilter; the spec's maps are
// copied, so changing them afterwards does not change the filter.
func NewFilter(spec FilterSpec) (*Filter, error) {
	f := &Filter{spec: cloneSpec(spec)}
	var err error
	if spec.PublisherID != "" {
		if f.publisherID, err = compileField("publisher_id", spec.PublisherID); err != nil {
			return nil, err
		}
	}
	if spec.EventType != "" {
		if f.eventType, err = compileField("event_type", spec.EventType); err != nil {
			return nil, err
		}
	}
	if f.context, err = compileKeys("context", spec.Context); err != nil {
		return nil, err
	}
	if f.metadata, err = compileKeys("metadata", spec.Metadata); err != nil {
		return nil, err
	}
	if f.payload, err = compileKeys("payload", spec.Payload); err != nil {
		return nil, err
	}
	return f, nil
}

// Spec returns a copy of the spec the filter was compiled from.
func (f *Filter) Spec() FilterSpec {
	if f == nil {
		return FilterSpec{}
	}
	return cloneSpec(f.spec)
}

// String describes the filter for logs, e.g.
// `filter{event_type=~"^compute\\." payload.state=~"^active$"}`; the keys of
// each map are sorted. The nil or empty filter is "filter{}".
func (f *Filter) String() string {
	if f == nil {
		return "filter{}"
	}
	var parts []string
	add := func(field, pat string) { parts = append(parts, field+"=~"+strconv.Quote(pat)) }
	if f.publisherID != nil {
		add("publisher_id", f.spec.PublisherID)
	}
	if f.eventType != nil {
		add("event_type", f.spec.EventType)
	}
	for _, d := range []struct {
		field string
		spec  map[string]string
	}{{"context", f.spec.Context}, {"metadata", f.spec.Metadata}, {"payload", f.spec.Payload}} {
		for _, k := range slices.Sorted(maps.Keys(d.spec)) {
			add(d.field+"."+k, d.spec[k])
		}
	}
	return "filter{" + strings.Join(parts, " ") + "}"
}

func compileField(field, pat string) (*pattern, error) {
	p, err := compilePattern(pat)
	if err != nil {
		return nil, &FilterError{Field: field, Pattern: pat, Err: err}
	}
	return p, nil
}

func compileKeys(field string, spec map[string]string) ([]keyPattern, error) {
	if len(spec) == 0 {
		return nil, nil
	}
	out := make([]keyPattern, 0, len(spec))
	for _, k := range slices.Sorted(maps.Keys(spec)) {
		re, err := compileField(field+"."+k, spec[k])
		if err != nil {
			return nil, err
		}
		out = append(out, keyPattern{key: k, re: re})
	}
	return out, nil
}

func cloneSpec(s FilterSpec) FilterSpec {
	s.Context = maps.Clone(s.Context)
	s.Metadata = maps.Clone(s.Metadata)
	s.Payload = maps.Clone(s.Payload)
	return s
}
