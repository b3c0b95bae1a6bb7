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

// checkPattern asserts that the pattern answers as its regexp does.
func checkPattern(t *testing.T, pat, s string) {
	t.Helper()
	re, err := compilePython(pat)
	if err != nil {
		return
	}
	p := newPattern(re)
	want := re.MatchString(s)
	if got := p.MatchString(s); got != want {
		t.Fatalf("pattern %q on %q: MatchString %v, regexp %v", pat, s, got, want)
	}
	if got := p.Match([]byte(s)); got != want {
		t.Fatalf("pattern %q on %q: Match %v, regexp %v", pat, s, got, want)
	}
}

func TestPattern_matchesRegexp(t *testing.T) {
	for _, pat := range []string{`^compute\.`, `^active$`, `active`, `a$`, `é`, `\uFFFD`, `(?i)A`, ``} {
		for _, s := range []string{"", "compute.x", "compute", "active", "active\n", "inactive", "a", "é", "\xff", "\uFFFD", "A"} {
			checkPattern(t, pat, s)
		}
	}
}

func FuzzPatternMatchesRegexp(f *testing.F) {
	f.Add(`^compute\.instance\.`, "compute.instance.create")
	f.Add(`^active$`, "active")
	f.Fuzz(checkPattern)
}
