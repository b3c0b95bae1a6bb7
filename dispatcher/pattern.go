package dispatcher

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// pattern is a compiled filter pattern. Most filter patterns are plain
// text, anchored as re.match anchors them ("^compute\.instance\.",
// "^active$"); those are matched by comparing strings, which costs a few
// nanoseconds where running the regexp costs about a hundred, and the
// regexp runs for the rest. A nil *pattern is not set.
type pattern struct {
	re    *regexp.Regexp
	ascii *regexp.Regexp // re for ASCII values, with ASCII-only classes; nil: re

	literal string      // the text, for prefixMatch and exactMatch
	kind    patternKind // how to match
}

type patternKind uint8

const (
	regexpMatch patternKind = iota // run re
	prefixMatch                    // the value starts with literal
	exactMatch                     // the value is literal
)

// compilePattern compiles the Python pattern pat (see compilePython). When
// its translation has classes with code points beyond ASCII (\d, \w, (?i)
// and the like are Unicode, as in Python), a second regexp with only their
// ASCII part serves ASCII values: it answers the same for them, and RE2
// runs small classes faster.
func compilePattern(pat string) (*pattern, error) {
	re, err := compilePython(pat)
	if err != nil {
		return nil, err
	}
	p := newPattern(re)
	if p.kind != regexpMatch {
		return p, nil
	}
	if tr, err := translatePython(pat, true); err == nil && `^(?:`+tr+`)` != re.String() {
		p.ascii, _ = regexp.Compile(`^(?:` + tr + `)`) // nil on error: re serves
	}
	return p, nil
}

// newPattern wraps re, compiled by compilePython (so anchored at the start),
// finding out whether it is a plain literal.
func newPattern(re *regexp.Regexp) *pattern {
	p := &pattern{re: re}
	if lit, exact, ok := literalForm(re.String()); ok {
		p.literal, p.kind = lit, prefixMatch
		if exact {
			p.kind = exactMatch
		}
	}
	return p
}

// literalForm reports whether expr, an anchored pattern, is text alone
// (prefix match) or text then end of text (exact match). It declines case
// folding, multi-line anchors and U+FFFD (which the regexp would match
// against invalid UTF-8 too), so that a string comparison gives exactly the
// regexp's answer.
func literalForm(expr string) (lit string, exact, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", false, false
	}
	subs := flattenConcat(re.Simplify(), nil)
	if len(subs) == 0 || subs[0].Op != syntax.OpBeginText {
		return "", false, false
	}
	for len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		subs = subs[1:] // "^(?:^a)": a second ^ at the start changes nothing
	}
	if n := len(subs); n > 0 && subs[n-1].Op == syntax.OpEndText {
		exact, subs = true, subs[:n-1]
	}
	var b strings.Builder
	for _, s := range subs {
		if s.Op != syntax.OpLiteral || s.Flags&syntax.FoldCase != 0 {
			return "", false, false
		}
		for _, r := range s.Rune {
			if r == utf8.RuneError {
				return "", false, false
			}
			b.WriteRune(r)
		}
	}
	return b.String(), exact, true
}

// flattenConcat appends the parts of re, splicing nested concatenations
// and dropping empty matches (what a non-capturing group leaves behind).
func flattenConcat(re *syntax.Regexp, dst []*syntax.Regexp) []*syntax.Regexp {
	switch re.Op {
	case syntax.OpConcat:
		for _, s := range re.Sub {
			dst = flattenConcat(s, dst)
		}
	case syntax.OpEmptyMatch:
	default:
		dst = append(dst, re)
	}
	return dst
}

// MatchString reports whether s matches, with re.match semantics.
func (p *pattern) MatchString(s string) bool {
	switch p.kind {
	case prefixMatch:
		return strings.HasPrefix(s, p.literal)
	case exactMatch:
		return s == p.literal
	}
	if p.ascii != nil && isASCII(s) {
		return p.ascii.MatchString(s)
	}
	return p.re.MatchString(s)
}

// Match is MatchString for text in a byte slice, without copying it.
func (p *pattern) Match(b []byte) bool {
	switch p.kind {
	case prefixMatch:
		return len(b) >= len(p.literal) && string(b[:len(p.literal)]) == p.literal
	case exactMatch:
		return string(b) == p.literal
	}
	if p.ascii != nil && isASCII(b) {
		return p.ascii.Match(b)
	}
	return p.re.Match(b)
}

// isASCII reports whether s has only ASCII bytes.
func isASCII[S string | []byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
