package dispatcher_test

import (
	"encoding/json"
	"fmt"
	"regexp/syntax"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// TestDispatcherFilter replicates oslo's
// test_dispatcher.py::TestDispatcherFilter: an info endpoint with a filter
// gets the spec's message only when the filter matches it.
func TestDispatcherFilter(t *testing.T) {
	scenarios := []struct {
		name   string
		filter dispatcher.FilterSpec
		edit   func(n *dispatcher.Notification) // the scenario's data
		match  bool
	}{
		{
			name:   "publisher_id_match",
			filter: dispatcher.FilterSpec{PublisherID: "^compute.*"},
			edit:   func(n *dispatcher.Notification) { n.PublisherID = "compute01.manager" },
			match:  true,
		},
		{
			name:   "publisher_id_nomatch",
			filter: dispatcher.FilterSpec{PublisherID: "^compute.*"},
			edit:   func(n *dispatcher.Notification) { n.PublisherID = "network01.manager" },
			match:  false,
		},
		{
			name:   "event_type_match",
			filter: dispatcher.FilterSpec{EventType: `^instance\.create`},
			edit:   func(n *dispatcher.Notification) { n.EventType = "instance.create.start" },
			match:  true,
		},
		{
			name:   "event_type_nomatch",
			filter: dispatcher.FilterSpec{EventType: `^instance\.delete`},
			edit:   func(n *dispatcher.Notification) { n.EventType = "instance.create.start" },
			match:  false,
		},
		{
			name:   "context_match",
			filter: dispatcher.FilterSpec{Context: map[string]string{"user": "^adm"}},
			edit:   func(n *dispatcher.Notification) { n.Context = map[string]any{"user": "admin"} },
			match:  true,
		},
		{
			name:   "context_key_missing",
			filter: dispatcher.FilterSpec{Context: map[string]string{"user": "^adm"}},
			edit:   func(n *dispatcher.Notification) { n.Context = map[string]any{"project": "admin"} },
			match:  false,
		},
		{
			name:   "metadata_match",
			filter: dispatcher.FilterSpec{Metadata: map[string]string{"message_id": "^99"}},
			match:  true,
		},
		{
			name:   "metadata_key_missing",
			filter: dispatcher.FilterSpec{Metadata: map[string]string{"user": "^adm"}},
			match:  false,
		},
		{
			name:   "payload_match",
			filter: dispatcher.FilterSpec{Payload: map[string]string{"state": "^active$"}},
			match:  true,
		},
		{
			name:   "payload_no_match",
			filter: dispatcher.FilterSpec{Payload: map[string]string{"state": "^deleted$"}},
			match:  false,
		},
		{
			name:   "payload_key_missing",
			filter: dispatcher.FilterSpec{Payload: map[string]string{"user": "^adm"}},
			match:  false,
		},
		{
			name:   "payload_value_none",
			filter: dispatcher.FilterSpec{Payload: map[string]string{"virtual_size": "2048"}},
			match:  false,
		},
		{
			name: "mix_match",
			filter: dispatcher.FilterSpec{
				EventType:   `^instance\.create`,
				PublisherID: "^compute",
				Context:     map[string]string{"user": "^adm"},
			},
			edit: func(n *dispatcher.Notification) {
				n.EventType = "instance.create.start"
				n.PublisherID = "compute01.manager"
				n.Context = map[string]any{"user": "admin"}
			},
			match: true,
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			f, err := dispatcher.NewFilter(sc.filter)
			require.NoError(t, err)
			log := &callLog{}
			d, err := dispatcher.New([]any{filteredInfoEP{fake: &fake{id: "ep", log: log}, filter: f}})
			require.NoError(t, err)
			n := notification(dispatcher.Info)
			if sc.edit != nil {
				sc.edit(n)
			}

			out := d.Dispatch(t.Context(), n)

			assert.Equal(t, dispatcher.ActionHandled, out.Result.Action())
			assert.Equal(t, sc.match, f.Match(n), "Match")
			if sc.match {
				assert.Equal(t, []called{{ep: "ep", method: "info", ns: []*dispatcher.Notification{n}}}, log.all())
			} else {
				assert.Empty(t, log.all(), "the endpoint is not called")
			}
		})
	}
	t.Run("event_type_not_string", eventTypeNotString)
}

// eventTypeNotString is oslo's event_type_not_string scenario
// (TestDispatcherFilter). oslo hands the list to the filter, which does not
// match it. hark's codec refuses a non-string event_type
// (Notification.EventType is a string), so such a message is dead-lettered
// before dispatch and no endpoint can see it: a documented deviation.
func eventTypeNotString(t *testing.T) {
	// encode returns the spec's message with eventType, as a v2 envelope
	// and as a v1 bare body.
	encode := func(eventType any) [][]byte {
		inner, err := json.Marshal(map[string]any{
			"message_id":   "99863dda-97f0-443a-a0c1-6ed317b7fd45",
			"publisher_id": "compute01.manager",
			"event_type":   eventType,
			"priority":     "INFO",
			"payload":      map[string]any{"state": "active", "virtual_size": nil},
			"timestamp":    "2014-03-03 18:21:04.369234",
		})
		require.NoError(t, err)
		body, err := json.Marshal(map[string]string{"oslo.version": "2.0", "oslo.message": string(inner)})
		require.NoError(t, err)
		return [][]byte{body, inner}
	}
	f := mustFilter(dispatcher.FilterSpec{EventType: `^instance\.`})

	for _, b := range encode([]string{"instance.swim", "instance.fly"}) {
		m, err := oslo.DecodeNotification(transport.Message{Body: b})
		assert.ErrorIs(t, err, transport.ErrDecode, "%s", b)
		assert.Nil(t, m)
	}
	// The same message with a string event_type decodes, and matches.
	for _, b := range encode("instance.swim") {
		m, err := oslo.DecodeNotification(transport.Message{Body: b})
		require.NoError(t, err, "%s", b)
		n := dispatcher.FromOslo(m, 1, nil)
		assert.Equal(t, dispatcher.Info, n.Priority)
		assert.True(t, f.Match(n))
	}
}

// TestFilterReMatch checks Python re.match semantics, translations of
// Python-only spellings included. Every expectation was checked against
// CPython's re.match.
func TestFilterReMatch(t *testing.T) {
	cases := []struct {
		pattern, value string
		match          bool
	}{
		{"comp", "compute.host", true},
		{"host", "compute.host", false},
		{"create", "compute.instance.create", false},
		{".*host", "compute.host", true},
		{`^compute\.`, "compute.host", true},
		{"", "anything", true},
		{"", "", true},
		{"^active$", "active", true},
		{"^active$", "active ", false},
		{"^active$", "active\n", true}, // Python's $ matches before a final newline
		{`active\Z`, "active", true},
		{`active\Z`, "active\n", false},
		{"a|b", "b", true},
		{"a|b", "xb", false},
		{"a{,2}b", "aab", true},
		{"a{,2}b", "aaab", false},
		{"a{,}b", "aaaab", true},
		{"a{2}", "aa", true},
		{"x{}", "x{}", true},
		{`\x41`, "A", true},
		{`\101`, "A", true},
		{`\0`, "\x00", true},
		{`[\1]`, "\x01", true},
		{`\u00e9`, "é", true},
		{`\U0001F600`, "😀", true},
		{`[\b]`, "\b", true},
		{"(?#comment)abc", "abc", true},
		{"(?i)ACT", "active", true},
		{`(?a)\w+`, "abc", true},
		{`(?ai:ACT)`, "active", true},
		{"(?P<s>act)ive", "active", true},
		{"[[:alpha:]]", "a]", true}, // Python has no POSIX classes
		{"[[:alpha:]]", "b", false},
		{"[[:alpha:]]", ":]", true},
		{"[]a]", "]", true},
		{"[^]a]", "b", true},
		{`\$5`, "$5", true},
		{"[$]", "$", true},
		{".b", "\nb", false},
		{"(?s).b", "\nb", true},
		{"(?m)^b$", "b\nc", true},
		// Python's Unicode rules for (?i), \d, \w, \s; verbose mode; ASCII \b.
		{`(?i)i`, "\u0130", true},
		{`(?i)\u0130`, "i", true},
		{`(?i)\u0130`, "I", true},
		{`(?i)i`, "\u0131", true},
		{`(?i)I`, "\u0131", true},
		{`(?i)k`, "\u212a", true},
		{`(?i)s`, "\u017f", true},
		{`(?i)\u00df`, "\u1e9e", true},
		{`(?i)ss`, "\u00df", false},
		{`(?ai)k`, "\u212a", false},
		{`(?ai)K`, "k", true},
		{`(?i)\u03c3`, "\u03c2", true},
		{`(?i)[^k]`, "\u212a", false},
		{`(?i)[a-z]+$`, "K\u212a\u017f", true},
		{`(?i)\u01c5`, "\u01c6", true},
		{`\d`, "\u0663", true},
		{`(?a)\d`, "\u0663", false},
		{`\d`, "\u00b2", false},
		{`\w`, "\u00b2", true},
		{`\w+$`, "\u00e9t\u00e9", true},
		{`\w`, "\u0301", false},
		{`\w`, "\u216b", true},
		{`\s`, "\u00a0", true},
		{`\s`, "\u001c", true},
		{`\s`, "\u200b", false},
		{`(?a)\s`, "\u00a0", false},
		{`\W`, "\u00e9", false},
		{`[^\d]`, "\u0663", false},
		{`\S`, "\u3000", false},
		{`(?x) a b # comment`, "ab", true},
		{`(?x)a\ b`, "a b", true},
		{`(?x)a b`, "a b", false},
		{`(?x)[ ]`, " ", true},
		{`(?x)a b|c d`, "cd", true},
		{"(?x)a # c\n b", "ab", true},
		{`(?x)a{2} `, "aa", true},
		{`(?a)\bab\b`, "ab cd", true},
		{`(?a)\bab\b`, "abc", false},
		{`(?m)a$`, "a\nb", true},
		{`a$`, "a\nb", false},
		{`(a$|b)`, "a\n", true},
		{`(?s:.)`, "\n", true},
		{`[\d-]+`, "1-\u0663", true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q~%q", c.pattern, c.value), func(t *testing.T) {
			f, err := dispatcher.NewFilter(dispatcher.FilterSpec{EventType: c.pattern, Payload: map[string]string{"v": c.pattern}})
			require.NoError(t, err)
			n := notification(dispatcher.Info)
			n.EventType = c.value
			payload, err := json.Marshal(map[string]string{"v": c.value})
			require.NoError(t, err)
			n.Payload = payload
			assert.Equal(t, c.match, f.Match(n))
		})
	}
}

func TestFilterValueTypes(t *testing.T) {
	f := mustFilter(dispatcher.FilterSpec{
		Context: map[string]string{"n": "1"},
		Payload: map[string]string{"n": "1"},
	})
	cases := []struct {
		name    string
		context map[string]any
		payload string
		match   bool
	}{
		{"strings", map[string]any{"n": "1"}, `{"n": "1"}`, true},
		{"escaped string", map[string]any{"n": "1"}, `{"n": "\u0031"}`, true},
		{"context number", map[string]any{"n": 1}, `{"n": "1"}`, false},
		{"context nil", map[string]any{"n": nil}, `{"n": "1"}`, false},
		{"context list", map[string]any{"n": []any{"1"}}, `{"n": "1"}`, false},
		{"context nil map", nil, `{"n": "1"}`, false},
		{"payload number", map[string]any{"n": "1"}, `{"n": 1}`, false},
		{"payload bool", map[string]any{"n": "1"}, `{"n": true}`, false},
		{"payload object", map[string]any{"n": "1"}, `{"n": {"n": "1"}}`, false},
		{"payload list", map[string]any{"n": "1"}, `{"n": ["1"]}`, false},
		{"payload null", map[string]any{"n": "1"}, `null`, false},
		{"payload string", map[string]any{"n": "1"}, `"n"`, false},
		{"payload list of objects", map[string]any{"n": "1"}, `[{"n": "1"}]`, false},
		{"payload empty", map[string]any{"n": "1"}, ``, false},
		{"payload invalid", map[string]any{"n": "1"}, `{"n": "1"`, false},
		{"payload whitespace", map[string]any{"n": "1"}, " \n{ \"n\" : \"1\" }\n", true},
		{"payload duplicate key, last wins", map[string]any{"n": "1"}, `{"n": 2, "n": "1"}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := notification(dispatcher.Info)
			n.Context = c.context
			n.Payload = json.RawMessage(c.payload)
			assert.Equal(t, c.match, f.Match(n))
		})
	}
}

func TestFilterEmpty(t *testing.T) {
	n := notification(dispatcher.Info)
	n.Payload = json.RawMessage(`null`) // no payload filter: never decoded
	n.Context = nil

	f, err := dispatcher.NewFilter(dispatcher.FilterSpec{Context: map[string]string{}, Payload: map[string]string{}})
	require.NoError(t, err)
	assert.True(t, f.Match(n), "empty maps never mismatch")

	var nilFilter *dispatcher.Filter
	assert.True(t, nilFilter.Match(n), "the nil filter matches everything")
	assert.Equal(t, "filter{}", nilFilter.String())
	assert.Equal(t, "filter{}", f.String())
}

func TestFilterMetadata(t *testing.T) {
	n := notification(dispatcher.Info)
	cases := []struct {
		key, pattern string
		match        bool
	}{
		{"message_id", "^99863dda", true},
		{"message_id", "^0", false},
		{"message_id", ".*-6ed317b7fd45$", true},
		{"timestamp", "2014-03-03 18", true},
		{"timestamp", "^2015", false},
		{"deliveries", "1", false}, // metadata is message_id and timestamp only
		{"unknown", "", false},
	}
	for _, c := range cases {
		f := mustFilter(dispatcher.FilterSpec{Metadata: map[string]string{c.key: c.pattern}})
		assert.Equal(t, c.match, f.Match(n), "%s=~%q", c.key, c.pattern)
	}
}

func TestNewFilterErrors(t *testing.T) {
	cases := []struct {
		name     string
		spec     dispatcher.FilterSpec
		field    string
		pattern  string
		contains string
	}{
		{"lookahead", dispatcher.FilterSpec{Payload: map[string]string{"state": "act(?=ive)"}},
			"payload.state", "act(?=ive)", "lookahead"},
		{"negative lookahead", dispatcher.FilterSpec{EventType: `compute\.(?!delete)`},
			"event_type", `compute\.(?!delete)`, "negative lookahead"},
		{"lookbehind", dispatcher.FilterSpec{PublisherID: "(?<=compute)01"},
			"publisher_id", "(?<=compute)01", "lookbehind"},
		{"negative lookbehind", dispatcher.FilterSpec{Context: map[string]string{"user": "(?<!x)adm"}},
			"context.user", "(?<!x)adm", "negative lookbehind"},
		{"backreference", dispatcher.FilterSpec{Metadata: map[string]string{"message_id": `(9)\1`}},
			"metadata.message_id", `(9)\1`, `backreference "\\1"`},
		{"two-digit backreference", dispatcher.FilterSpec{EventType: `(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10`},
			"event_type", `(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10`, `backreference "\\10"`},
		{"named backreference", dispatcher.FilterSpec{EventType: `(?P<x>a)(?P=x)`},
			"event_type", `(?P<x>a)(?P=x)`, `backreference "(?P=x)"`},
		{"possessive", dispatcher.FilterSpec{EventType: `a++`},
			"event_type", `a++`, "possessive quantifier"},
		{"possessive repeat", dispatcher.FilterSpec{EventType: `a{2}+`},
			"event_type", `a{2}+`, "possessive quantifier"},
		{"atomic group", dispatcher.FilterSpec{EventType: `(?>a)`},
			"event_type", `(?>a)`, "atomic group"},
		{"conditional", dispatcher.FilterSpec{EventType: `(a)?(?(1)b|c)`},
			"event_type", `(a)?(?(1)b|c)`, "conditional"},
		{"named unicode escape", dispatcher.FilterSpec{EventType: `\N{BULLET}`},
			"event_type", `\N{BULLET}`, `\N{...}`},
		{"octal out of range", dispatcher.FilterSpec{EventType: `\400`},
			"event_type", `\400`, "outside of range 0-0o377"},
		{"unterminated class", dispatcher.FilterSpec{Payload: map[string]string{"state": "[a"}},
			"payload.state", "[a", "unterminated character set"},
		{"syntax error", dispatcher.FilterSpec{Payload: map[string]string{"state": "(a"}},
			"payload.state", "(a", "missing ), unterminated subpattern"},
		{"incomplete unicode escape", dispatcher.FilterSpec{EventType: `\u12`},
			"event_type", `\u12`, "incomplete escape"},
		{"bad escape in class", dispatcher.FilterSpec{EventType: `[\8]`},
			"event_type", `[\8]`, "bad escape"},
		{"unbalanced parentheses cannot escape the anchor", dispatcher.FilterSpec{EventType: `a)|(b`},
			"event_type", `a)|(b`, "unbalanced parenthesis"},
		{"bad escape", dispatcher.FilterSpec{EventType: `\q`},
			"event_type", `\q`, `bad escape \q`},
		{"\\z is not Python's", dispatcher.FilterSpec{EventType: `a\z`},
			"event_type", `a\z`, `bad escape \z`},
		{"\\p is not Python's", dispatcher.FilterSpec{EventType: `\pL`},
			"event_type", `\pL`, `bad escape \p`},
		{"repeated $", dispatcher.FilterSpec{EventType: `$*`},
			"event_type", `$*`, "nothing to repeat"},
		{"repeated \\A", dispatcher.FilterSpec{EventType: `\A+`},
			"event_type", `\A+`, "nothing to repeat"},
		{"empty flags", dispatcher.FilterSpec{EventType: `(?)`},
			"event_type", `(?)`, "unknown extension ?)"},
		{"global flags not first", dispatcher.FilterSpec{EventType: `a(?i)b`},
			"event_type", `a(?i)b`, "global flags not at the start"},
		{"x{,} braces", dispatcher.FilterSpec{EventType: `\x{41}`},
			"event_type", `\x{41}`, `incomplete escape \x`},
		{"Unicode word boundary", dispatcher.FilterSpec{EventType: `\bab`},
			"event_type", `\bab`, `\b (a Unicode word boundary) is not supported`},
		{"$ before more pattern", dispatcher.FilterSpec{EventType: `a$\n`},
			"event_type", `a$\n`, `$ followed by "\\n" is not supported`},
		{"$ in a repeated group", dispatcher.FilterSpec{EventType: `(a$)*`},
			"event_type", `(a$)*`, `$ in a repeated group`},
		{"repeat count beyond RE2's", dispatcher.FilterSpec{EventType: `a{1001}`},
			"event_type", `a{1001}`, `repeat count 1001 in "{1001}" is not supported: RE2 allows at most 1000`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := dispatcher.NewFilter(c.spec)
			assert.Nil(t, f)
			require.ErrorIs(t, err, dispatcher.ErrInvalidFilter)
			var fe *dispatcher.FilterError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, c.field, fe.Field)
			assert.Equal(t, c.pattern, fe.Pattern)
			msg := err.Error()
			assert.Contains(t, msg, c.field)
			assert.Contains(t, msg, fmt.Sprintf("%q", c.pattern))
			assert.Contains(t, msg, c.contains)
		})
	}

	t.Run("RE2 is named for unsupported features", func(t *testing.T) {
		_, err := dispatcher.NewFilter(dispatcher.FilterSpec{Payload: map[string]string{"state": "(?=x)"}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "RE2")
		assert.Contains(t, err.Error(), "lookaround and backreferences")
	})
	t.Run("regexp errors are wrapped", func(t *testing.T) {
		_, err := dispatcher.NewFilter(dispatcher.FilterSpec{EventType: "(?:a{1000}){2}"})
		require.ErrorIs(t, err, dispatcher.ErrInvalidFilter)
		assert.Contains(t, err.Error(), "invalid repeat count")
		assert.NotContains(t, err.Error(), "error parsing regexp")
		var se *syntax.Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, syntax.ErrInvalidRepeatSize, se.Code)
	})
}

func TestFilterString(t *testing.T) {
	f := mustFilter(dispatcher.FilterSpec{
		PublisherID: "^compute",
		EventType:   `^compute\.instance\.`,
		Context:     map[string]string{"user": "^adm", "project": "^p"},
		Metadata:    map[string]string{"timestamp": "^2014"},
		Payload:     map[string]string{"state": "^active$"},
	})
	assert.Equal(t,
		`filter{publisher_id=~"^compute" event_type=~"^compute\\.instance\\." context.project=~"^p" context.user=~"^adm" metadata.timestamp=~"^2014" payload.state=~"^active$"}`,
		f.String())
}

func TestFilterSpecIsCopied(t *testing.T) {
	spec := dispatcher.FilterSpec{Payload: map[string]string{"state": "^active$"}}
	f := mustFilter(spec)
	spec.Payload["state"] = "^deleted$"
	n := notification(dispatcher.Info)
	assert.True(t, f.Match(n), "changing the spec afterwards does not change the filter")
	assert.Equal(t, "^active$", f.Spec().Payload["state"])

	got := f.Spec()
	got.Payload["state"] = "x"
	assert.Equal(t, "^active$", f.Spec().Payload["state"], "Spec returns a copy")

	var nilFilter *dispatcher.Filter
	assert.Equal(t, dispatcher.FilterSpec{}, nilFilter.Spec())
}

func TestFilterConcurrent(t *testing.T) {
	f := mustFilter(dispatcher.FilterSpec{
		EventType: `^instance\.`,
		Context:   map[string]string{"user": "^adm"},
		Payload:   map[string]string{"state": "^active$"},
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				n := notification(dispatcher.Info)
				n.Context = map[string]any{"user": "admin"}
				assert.True(t, f.Match(n))
			}
		})
	}
	wg.Wait()
}
