package main

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
)

// filterFlags are the oslo-style filter flags tail and the dlq verbs share.
// Each value is a Python regular expression matched as re.match does:
// anchored at the start, not the end (harkd's endpoint filters, the same
// code).
type filterFlags struct {
	eventType   string
	publisherID string
	context     []string // KEY=REGEX
	payload     []string // KEY=REGEX
}

func (f *filterFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.eventType, "event-type", "", "only notifications whose event type matches this regex (anchored at the start)")
	fl.StringVar(&f.publisherID, "publisher-id", "", "only notifications whose publisher id matches this regex (anchored at the start)")
	// StringArray, not StringToString: that one splits on commas, which
	// regexes like a{1,3} contain.
	fl.StringArrayVar(&f.context, "context-match", nil, "only notifications whose context KEY is a string matching REGEX (KEY=REGEX, repeatable)")
	fl.StringArrayVar(&f.payload, "payload-match", nil, "only notifications whose payload KEY is a string matching REGEX (KEY=REGEX, repeatable)")
}

// compile builds the filter; nil (which matches everything) when no flag
// is set. Errors are usage errors naming the flag.
func (f filterFlags) compile() (*dispatcher.Filter, error) {
	spec := dispatcher.FilterSpec{EventType: f.eventType, PublisherID: f.publisherID}
	var err error
	if spec.Context, err = keyPatterns("--context-match", f.context); err != nil {
		return nil, err
	}
	if spec.Payload, err = keyPatterns("--payload-match", f.payload); err != nil {
		return nil, err
	}
	if spec.EventType == "" && spec.PublisherID == "" && spec.Context == nil && spec.Payload == nil {
		return nil, nil
	}
	flt, err := dispatcher.NewFilter(spec)
	if err != nil {
		return nil, usagef("filter: %w", err)
	}
	return flt, nil
}

// keyPatterns parses KEY=REGEX values; the regex may contain '='.
func keyPatterns(flag string, vs []string) (map[string]string, error) {
	if len(vs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(vs))
	for _, v := range vs {
		k, re, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, usagef("%s %q: want KEY=REGEX", flag, v)
		}
		m[k] = re
	}
	return m, nil
}

// parsePriorities checks --priority values (repeatable or comma-separated,
// any case) and returns them in oslo's order without duplicates; none
// means all seven.
func parsePriorities(vs []string) ([]transport.Priority, error) {
	if len(vs) == 0 {
		return transport.Priorities(), nil
	}
	want := map[transport.Priority]bool{}
	for _, v := range vs {
		p, ok := transport.ParsePriority(strings.TrimSpace(v))
		if !ok {
			return nil, usagef("--priority %q: want one of audit, debug, info, warn, error, critical, sample", v)
		}
		want[p] = true
	}
	return slices.DeleteFunc(transport.Priorities(), func(p transport.Priority) bool { return !want[p] }), nil
}

// describePriorities is "all priorities" or the list, for status lines.
func describePriorities(ps []transport.Priority) string {
	if len(ps) == len(transport.Priorities()) {
		return "all priorities"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
