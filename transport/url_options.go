package transport

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the helpers drivers use to read URL query options. oslo
// accepts its configuration options as query parameters and converts them
// with the option's type; these helpers accept the same spellings, and
// their errors wrap ErrInvalidURL and name the key and the bad value (a
// value whose key mentions a password, secret or token is not shown).

// CheckOptions returns an error wrapping ErrInvalidURL when the query holds
// a key not in valid, naming every unknown key and listing the valid ones,
// sorted. oslo raises NoSuchOptError for the same mistake.
func (u *URL) CheckOptions(valid ...string) error {
	var unknown []string
	for k := range u.Query {
		if !slices.Contains(valid, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	v := slices.Clone(valid)
	slices.Sort(v)
	v = slices.Compact(v)
	list := strings.Join(v, ", ")
	if list == "" {
		list = "none"
	}
	word := "option"
	if len(unknown) > 1 {
		word = "options"
	}
	return fmt.Errorf("%w: unknown %s %s for scheme %s (valid: %s)",
		ErrInvalidURL, word, quoteAll(unknown), u.Scheme, list)
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, k := range s {
		q[i] = strconv.Quote(k)
	}
	return strings.Join(q, ", ")
}

// Option returns the value of query option key and whether it is set.
func (u *URL) Option(key string) (string, bool) {
	v, ok := u.Query[key]
	return v, ok
}

// BoolOption returns query option key as a boolean, or def when it is not
// set. It accepts oslo.config's spellings, case-insensitively: true, yes,
// on, 1 and false, no, off, 0.
func (u *URL) BoolOption(key string, def bool) (bool, error) {
	v, ok := u.Query[key]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, u.optionError(key, v, "is not a boolean (use true/false, yes/no, on/off or 1/0)")
}

// IntOption returns query option key as a decimal integer, or def when it
// is not set.
func (u *URL) IntOption(key string, def int) (int, error) {
	v, ok := u.Query[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, u.optionError(key, v, "is not an integer")
	}
	return n, nil
}

// DurationOption returns query option key as a duration, or def when it
// is not set. It accepts a Go duration ("1m30s", "500ms") or a bare number
// of seconds, integer or not ("60", "0.5"), as oslo's seconds options are
// written.
func (u *URL) DurationOption(key string, def time.Duration) (time.Duration, error) {
	v, ok := u.Query[key]
	if !ok {
		return def, nil
	}
	s := strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		d := f * float64(time.Second)
		if math.IsNaN(d) || math.IsInf(d, 0) || d >= math.MaxInt64 || d < math.MinInt64 {
			return 0, u.optionError(key, v, "is out of range for a duration")
		}
		return time.Duration(d), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, u.optionError(key, v, `is not a duration (use seconds such as "30" or "0.5", or a Go duration such as "1m30s")`)
	}
	return d, nil
}

// ChoiceOption returns query option key, trimmed of spaces and passed
// through fold (strings.ToLower, strings.ToUpper; nil keeps it as
// written), when it is one of choices; def when the option is not set.
// Any other value is an error wrapping ErrInvalidURL that lists the
// choices.
func (u *URL) ChoiceOption(key, def string, fold func(string) string, choices ...string) (string, error) {
	v, ok := u.Query[key]
	if !ok {
		return def, nil
	}
	s := strings.TrimSpace(v)
	if fold != nil {
		s = fold(s)
	}
	if slices.Contains(choices, s) {
		return s, nil
	}
	return "", u.optionError(key, v, "is not supported (valid: "+strings.Join(choices, ", ")+")")
}

// StringsOption returns query option key split on ',' with each item
// trimmed of spaces and empty items dropped (oslo's ListOpt); nil when the
// option is not set. A repeated key arrives already joined with ',', so
// "?a=x&a=y" and "?a=x,y" give the same list.
func (u *URL) StringsOption(key string) []string {
	v, ok := u.Query[key]
	if !ok {
		return nil
	}
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func (u *URL) optionError(key, value, problem string) error {
	shown := strconv.Quote(value)
	if secretOption(key) {
		shown = `"***"`
	}
	return fmt.Errorf("%w: option %s=%s %s", ErrInvalidURL, key, shown, problem)
}
