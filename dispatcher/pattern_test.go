package dispatcher

import (
	"testing"
)

func TestPattern_literalForms(t *testing.T) {
	for _, c := range []struct {
		pat  string
		kind patternKind
		lit  string
	}{
		{`^compute\.instance\.`, prefixMatch, "compute.instance."},
		{`compute.instance`, regexpMatch, ""},
		{`^active$`, regexpMatch, ""}, // Python's $ also matches before a final newline
		{`^active\Z`, exactMatch, "active"},
		{`active\Z`, exactMatch, "active"},
		{`host`, prefixMatch, "host"},
		{`(?:ab)(?:c)`, prefixMatch, "abc"},
		{`(?i)active`, regexpMatch, ""},
		{`(?m)^a$`, regexpMatch, ""},
		{`a|b`, regexpMatch, ""},
		{`^host\d+$`, regexpMatch, ""},
		{`é☃`, prefixMatch, "é☃"},
		{"\uFFFD", regexpMatch, ""},
		{``, prefixMatch, ""},
		{`(?i)123`, prefixMatch, "123"},
		{`(?x) a b `, prefixMatch, "ab"},
	} {
		re, err := compilePython(c.pat)
		if err != nil {
			t.Fatal(err)
		}
		p := newPattern(re)
		if p.kind != c.kind || p.literal != c.lit {
			t.Errorf("%q: kind %d literal %q, want %d %q", c.pat, p.kind, p.literal, c.kind, c.lit)
		}
	}
}

// checkPattern asserts that the pattern (its literal forms, its regexp for
// ASCII values) answers as its regexp does.
func checkPattern(t *testing.T, pat, s string) {
	t.Helper()
	p, err := compilePattern(pat)
	if err != nil {
		return
	}
	re := p.re
	want := re.MatchString(s)
	if got := p.MatchString(s); got != want {
		t.Fatalf("pattern %q on %q: MatchString %v, regexp %v", pat, s, got, want)
	}
	if got := p.Match([]byte(s)); got != want {
		t.Fatalf("pattern %q on %q: Match %v, regexp %v", pat, s, got, want)
	}
}

func TestPattern_matchesRegexp(t *testing.T) {
	for _, pat := range []string{`^compute\.`, `^active$`, `active`, `a$`, `é`, `\uFFFD`, `(?i)A`, ``, `\d+`, `\w+\W`, `(?i)k`, `[^a]`, `\S\s`, `.\D`} {
		for _, s := range []string{"", "compute.x", "compute", "active", "active\n", "inactive", "a", "é", "\xff", "\uFFFD", "A", "12", "٣", "ab!", "a\u00e9", "k", "\u212a", "x ", "x\u00a0", "b1"} {
			checkPattern(t, pat, s)
		}
	}
}

func FuzzPatternMatchesRegexp(f *testing.F) {
	f.Add(`^compute\.instance\.`, "compute.instance.create")
	f.Add(`^active$`, "active")
	f.Add(`(?i)\w+\d`, "Kelvin\u212a1")
	f.Fuzz(checkPattern)
}
