package dispatcher

// White-box tests: the translator is unexported; these compare it with
// CPython's re module, as transport's pyjson tests compare with json.dumps.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonPath is CPython for the comparison tests, or skips the test.
func pythonPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: skipping the comparison with Python's re")
	}
	return py
}

// runPython runs script with stdin and returns its standard output.
func runPython(t *testing.T, script string, stdin []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pythonPath(t), "-c", script)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python: %s", stderr.String())
	return out
}

// pySubjects are the strings every pattern is matched against: ASCII, and
// the code points where Python's Unicode rules differ from RE2's (non-ASCII
// digits and spaces, İ ı ſ ß K (Kelvin), final sigma, titlecase letters,
// combining marks, characters beyond U+FFFF).
var pySubjects = []string{
	"", "a", "A", "b", "B", "ab", "aB", "Ab", "abc", "aaa", "ba", "aab", "x{2}",
	"k", "K", "\u212a", "s", "S", "\u017f", "i", "I", "\u0130", "\u0131", "\u0130i", "\u00df", "SS", "\u1e9e", "\u00e9", "\u00c9",
	"1", "123", "\u0663", "\u00b2", "\u216b", "\u00bd", "_", " ", "\t", "\n", "a\n", "\n\n", "\u00a0", "\u2003", "\x1c", "\x85", "\u3000", "\u200b",
	"\u0301", "e\u0301", "a b", "a-b", "a.b", "{", "}", "-", "[", "]", "\\", "\x00", "\b", "\x07",
	"\u03c3", "\u03a3", "\u03c2", "\u00b5", "\u03bc", "\u039c", "\u01c5", "\u01c6", "\u01c4", "\ufb00", "\u1f80", "\u1f88",
	"\U00010400", "\U00010428", "\u65e5\u672c", "A1_", "#", "a\u00e9", "ab\n", "$", "^", "a1", "1a", "\u0345", "\u03b9", "\u1fbe",
}

// pyCorpus is the hand-written part of the pattern corpus: every construct
// the translator handles, and the ones Python rejects.
var pyCorpus = []string{
	// literals, escapes
	``, `a`, `ab`, `abc`, `A`, `b`, `x{2}`, `x\{2\}`, `\.`, `\-`, `\\`, `\x41`, `\x4`, `\x{41}`, `\u0130`, `\u013`, `\U00010400`, `\U00110000`,
	`\101`, `\0`, `\07`, `\08`, `\400`, `\1`, `\10`, `\12a`, `(a)\1`, `(a\1)`, `\q`, `\z`, `\pL`, `\p{L}`, `\é`, `\ `, `\#`, `\n`, `\t`, `\a`, `\v`, `\f`,
	`\N{BULLET}`, `\N`, `é`, `ß`, `\u212a`, `\U0001F600`, `\ud800`, "\\", `a\`,
	// categories
	`\d`, `\d+`, `\D`, `\w`, `\w+`, `\W`, `\s`, `\s+`, `\S`, `(?a)\d`, `(?a)\w+`, `(?a)\s`, `(?a:\w)`, `(?u)\w`, `(?a)(?u:\w)`,
	`[\d]`, `[\w-]`, `[\D]`, `[^\d]`, `[^\W]`, `[\s\d]`, `[\d-z]`, `[a-\d]`, `[\W\d]`,
	// anchors
	`^`, `^a`, `a$`, `$`, `^$`, `a\Z`, `\Aa`, `a\z`, `(?m)^a$`, `(?m)a$`, `(?m:a$)`, `^*`, `$*`, `\A+`, `\Z?`, `a|^b`, `\ba`, `a\b`, `\B`, `(?a)\ba\b`, `(?a)a\B`,
	// dot
	`.`, `.b`, `(?s).`, `(?s:.)\n`, `a.c`, `..`,
	// quantifiers
	`a*`, `a+`, `a?`, `a*?`, `a+?`, `a??`, `a{2}`, `a{2,}`, `a{,2}`, `a{,}`, `a{1,2}`, `a{2,1}`, `a{}`, `a{x}`, `a{1`, `a{1,2`, `{1}`, `{`, `{}`, `}`, `a{1001}`, `a{4294967295}`,
	`a**`, `a*+`, `a++`, `a?+`, `a{2}+`, `a{2}{3}`, `(?:a*)*`, `(?:)*`, `*`, `+a`, `a|*`, `(*)`, `a(?#c)*`, `a{1000}`, `(?:a{1000}){2}`,
	// classes
	`[a]`, `[ab]`, `[a-c]`, `[^a]`, `[^ab]`, `[]a]`, `[^]a]`, `[]`, `[^]`, `[a-]`, `[-a]`, `[a-c-e]`, `[z-a]`, `[\]]`, `[\\]`, `[\b]`, `[\B]`, `[\A]`, `[\Z]`,
	`[\x41-\x43]`, `[\101]`, `[\1]`, `[\8]`, `[\400]`, `[[:alpha:]]`, `[[]`, `[a`, `[`, `[é-ë]`, `[\u0100-\u017f]`, `[^\n]`, `[\N{BULLET}]`, `[--]`, `[&&]`, `[\q]`, `[\.]`,
	// groups
	`(a)`, `(?:a)`, `(?P<n>a)`, `(?P<n>a)(?P=n)`, `(?P=n)`, `(?P<n>a)(?P<n>b)`, `(?P<1>a)`, `(?P<>a)`, `(?P<n`, `(?Px)`, `(?P`, `(a`, `a)`, `a)|(b`, `()`, `(|)`, `((a))`, `(?`, `(?)`,
	`(?=a)`, `(?!a)`, `(?<=a)`, `(?<!a)`, `(?<=a*)b`, `(?=a`, `\N{BOGUS}`, `\Nx`, `(?(2)a|b)`, `\ba(`, `a++(`, `(?<a>b)`, `(?>a)`, `(a)(?(1)b|c)`, `(?#comment)a`, `(?#unterminated`, `(?é)`, `(?P<é>a)`,
	// alternation
	`a|b`, `a|B`, `ab|ac`, `ab|cd`, `a|`, `|a`, `|`, `a|b|c`, `[ab]|c`, `[^a]|b`, `\d|a`, `a|\w`,
	// flags
	`(?i)a`, `(?i)A`, `(?i)k`, `(?i)K`, "(?i)\u212a", `(?i)s`, "(?i)\u017f", `(?i)i`, `(?i)I`, "(?i)\u0130", "(?i)\u0131", "(?i)\u00df", "(?i)\u1e9e", `(?i)ss`,
	"(?i)\u03c3", "(?i)\u03a3", "(?i)\u03c2", "(?i)\u00b5", "(?i)\u03bc", "(?i)\u01c5", "(?i)\u01c4", "(?i)\u1f80", "(?i)\u1f88", "(?i)\u0345", "(?i)\u03b9", "(?i)\U00010400", "(?i)\U00010428",
	`(?i)[a-z]+`, `(?i)[A-Z]+`, `(?i)[k]`, `(?i)[^k]`, `(?i)[ks]`, `(?i)[^ks]`, "(?i)[\u0130]", "(?i)[\u0130x]", "(?i)[^\u0130x]", `(?i)[i]`, `(?i)[ix]`, `(?i)[\d]`, `(?i)[\da]`, `(?i)[\Wa]`,
	"(?i)[\U00010400a]", "(?i)[\U00010428a]", "(?i)[a-\U00010400]", "(?i)[\U00010400-\U00010401]", "(?i)[\U00010428-\U00010429]", "(?i)[R-\U00010000]", "(?i)[\u00e0-\u00ff]",
	"(?i)\U00010400|a", "(?i)a|\U00010400", `(?i)1|a`, "(?i)\u0130|x", `(?i:a)b`, `(?i:a)B`, `(?-i:a)`, `(?i)(?-i:a)b`, `(?ai)k`, `(?ai)[k]`, `(?ai)[ks]`, "(?ai)\u212a", "(?ai)\u00e9", `(?a)(?i)s`, "(?ai)[a-\U00010400]",
	`(?m)`, `(?s)`, `(?x)`, `(?ims)a`, `(?L)a`, `(?aL)a`, `(?au)a`, `(?a)(?u)a`, `(?t)a`, `(?t:a)`, `(?-t:a)`, `(?i-i:a)`, `(?-a:a)`, `(?i`, `(?i-`, `(?i-:a)`, `(?-:a)`, `(?q)`, `(?iq)`, `(?i-q:a)`, `(?i-1:a)`, `(?i1)`,
	`a(?i)b`, `(?i)a(?m)b`, `(?i)(?m)a`, `(a(?i))`, `a|(?i)b`, `(?#c)(?i)A`,
	// verbose
	`(?x)a b`, `(?x) a b `, `(?x)a # comment`, "(?x)a # comment\nb", `(?x)a\ b`, `(?x)[ ]`, `(?x)a *`, `(?x)a* ?`, `(?x)a {2}`, `(?x)a{ 2}`, `(?x)\#`, `(?x)(?-x: a)`, `(?x: a )b`, `(?x)a b|c d`,
	"(?x)\ta\n\rb\v\f", "(?x)a\u00a0b", `(?x)(?i) a`, "(?x)# only a comment", `(?x)[#]a`, "(?x) (?i)a",
}

// randomPattern builds a pattern from pieces most of which Python accepts on
// their own, so that a fair share of the combinations are valid.
func randomPattern(r *rand.Rand) string {
	atoms := []string{
		"a", "b", "A", "k", "K", "s", "S", "\u017f", "i", "I", "\u0130", "\u0131", "\u00df", "\u00e9", "1", "\u0663", "_", " ", "-", ".", "\\.", "#",
		"\u03c3", "\u03c2", "\u00b5", "\u01c5", "\U00010400", "\u212a", "\u0345",
		`\d`, `\D`, `\w`, `\W`, `\s`, `\S`, `\b`, `\A`, `\Z`, `\x41`, `\u0130`, `\101`, `\0`, `\1`, `\n`, `\\`, `\z`, `\pL`, `\q`,
		"^", "$", "|", "(", ")", "(?:", "(?i:", "(?-i:", "(?x:", "(?a:", "(?s:", "(?m:", "(?P<n>", "(?=", "(?#c)", "(?u:", "(?-x:", "(?ai:", "(?-s:", "(?i-m:",
		"*", "+", "?", "*?", "{2}", "{,2}", "{1,}", "{2,1}", "{", "}", "*+",
	}
	classAtoms := []string{"a", "b", "z", "A", "Z", "k", "s", "\u0130", "\u00e9", "-", "^", "]", `\d`, `\W`, `\s`, `\]`, `\-`, `\x41`, `\u017f`, `\U00010400`, `\b`, "1", "_", "\u00e0-\u00ff", "a-z", "A-Z", "0-9", "\U00010400-\U00010428", "Z-\U00010000", "\u0100-\u024f", "\u0370-\u03ff", "\u1f80-\u1faf", `\x00-\x7f`, `\w`, `\S`, `\D`}
	var b strings.Builder
	switch r.IntN(8) {
	case 0:
		b.WriteString("(?i)")
	case 1:
		b.WriteString("(?x)")
	case 2:
		b.WriteString("(?a)")
	case 3:
		b.WriteString("(?ai)")
	case 4:
		b.WriteString("(?ms)")
	}
	for range 1 + r.IntN(7) {
		if r.IntN(6) == 0 {
			b.WriteString("[")
			if r.IntN(3) == 0 {
				b.WriteString("^")
			}
			for range 1 + r.IntN(3) {
				b.WriteString(classAtoms[r.IntN(len(classAtoms))])
			}
			if r.IntN(10) != 0 {
				b.WriteString("]")
			}
			continue
		}
		b.WriteString(atoms[r.IntN(len(atoms))])
	}
	return b.String()
}

// pyMatchScript compiles each pattern with re.compile and matches it with
// re.match against each subject: a line per pattern, "E <error>" or the
// results as 0s and 1s.
const pyMatchScript = `import json, re, sys, warnings
warnings.simplefilter("ignore")
d = json.load(sys.stdin)
for p in d["patterns"]:
    try:
        r = re.compile(p)
    except Exception as e:
        print("E", type(e).__name__, str(e).replace("\n", " "))
        continue
    print("".join("1" if r.match(s) else "0" for s in d["subjects"]))
`

// TestTranslatePython_matchesPython compares the translator with CPython's
// re on the corpus and on seeded random patterns: where hark accepts a
// pattern Python accepts it too and re.match agrees on every subject; where
// hark rejects one as invalid Python rejects it too; the rest hark refuses
// as unsupported, with a message naming the construct (a pattern Python
// rejects only when Python rejects it in a check hark cannot make).
func TestTranslatePython_matchesPython(t *testing.T) {
	pythonPath(t)
	patterns := append([]string(nil), pyCorpus...)
	r := rand.New(rand.NewPCG(12, 2026))
	for range 6000 {
		patterns = append(patterns, randomPattern(r))
	}
	in, err := json.Marshal(map[string]any{"patterns": patterns, "subjects": pySubjects})
	require.NoError(t, err)
	out := runPython(t, pyMatchScript, in)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, len(patterns))

	var accepted, invalid, unsupported int
	for i, pat := range patterns {
		py := lines[i]
		pyErr := strings.HasPrefix(py, "E ")
		p, err := compilePattern(pat)
		var ue unsupportedError
		var pe *pyError
		switch {
		case errors.As(err, &ue):
			unsupported++
			assert.Contains(t, err.Error(), "is not supported", "%q", pat)
			// Python rejects some of these later, in checks hark cannot
			// make: a lookbehind's width, a character's name.
			if pyErr && !strings.Contains(err.Error(), "lookbehind") && !strings.Contains(err.Error(), `\N{`) && !strings.Contains(err.Error(), "conditional") {
				t.Errorf("%q: hark: %v; Python rejects it: %s", pat, err, py)
			}
		case errors.As(err, &pe):
			invalid++
			assert.True(t, pyErr, "%q: hark: %v; Python accepts it", pat, err)
		case err != nil:
			t.Errorf("%q: unclassified error %v (Python: %s)", pat, err, py)
		case pyErr:
			t.Errorf("%q: hark accepts it (as %s); Python: %s", pat, p.re, py)
		default:
			accepted++
			for j, s := range pySubjects {
				want := py[j] == '1'
				if got := p.MatchString(s); got != want {
					t.Errorf("%q on %q: hark %v, Python %v (RE2 %s)", pat, s, got, want, p.re)
				}
				if got := p.Match([]byte(s)); got != want {
					t.Errorf("%q on %q: hark %v for the bytes, Python %v (RE2 %s)", pat, s, got, want, p.re)
				}
			}
		}
	}
	t.Logf("%d patterns: %d accepted and agreeing, %d invalid in both, %d refused as unsupported", len(patterns), accepted, invalid, unsupported)
	assert.Greater(t, accepted, len(patterns)/4, "the random patterns are mostly valid")
}

// TestPyUnicodeTables_matchPython checks the tables the translator relies on
// against CPython for every code point Python's Unicode version assigns:
// _sre's lower(), upper() (the first code point of str.upper()),
// iscased, \d, \s, \w, and re._casefix.
func TestPyUnicodeTables_matchPython(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the sweep of every code point")
	}
	pythonPath(t)
	out := runPython(t, `import _sre, re, sys, unicodedata
from re._casefix import _EXTRA_CASES
w, d, s = re.compile(r"\w"), re.compile(r"\d"), re.compile(r"\s")
o = []
for i in range(0x110000):
    c = chr(i)
    if 0xd800 <= i < 0xe000 or unicodedata.category(c) == "Cn":
        o.append("%x -" % i)
        continue
    lo, up = _sre.unicode_tolower(i), ord(c.upper()[0])
    f = ("w" if w.match(c) else "") + ("d" if d.match(c) else "") + ("s" if s.match(c) else "") + ("c" if _sre.unicode_iscased(i) else "")
    if lo != i or up != i or f:
        o.append("%x %x %x %s" % (i, lo, up, f))
for k, v in sorted(_EXTRA_CASES.items()):
    o.append("fix %x %s" % (k, ",".join("%x" % x for x in v)))
sys.stdout.write("\n".join(o))
`, nil)
	type info struct {
		lower, upper rune
		flags        string
		unassigned   bool
	}
	py := map[rune]info{}
	fixes := map[rune]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if f[0] == "fix" {
			var k rune
			fmt.Sscanf(f[1], "%x", &k)
			fixes[k] = f[2]
			continue
		}
		var c rune
		fmt.Sscanf(f[0], "%x", &c)
		if f[1] == "-" {
			py[c] = info{unassigned: true}
			continue
		}
		var in info
		fmt.Sscanf(f[1], "%x", &in.lower)
		fmt.Sscanf(f[2], "%x", &in.upper)
		if len(f) > 3 {
			in.flags = f[3]
		}
		py[c] = in
	}
	require.NoError(t, sc.Err())

	uni := &pyFold{}
	word, digit, space := pyCategory('w').set(false), pyCategory('d').set(false), pyCategory('s').set(false)
	bad := 0
	for c := rune(0); c <= unicode.MaxRune; c++ {
		want, ok := py[c]
		if want.unassigned || (0xD800 <= c && c <= 0xDFFF) {
			continue
		}
		if !ok {
			want = info{lower: c, upper: c}
		}
		got := info{lower: uni.lower(c), upper: uni.upper(c)}
		for _, x := range []struct {
			set  runeSet
			flag string
		}{{word, "w"}, {digit, "d"}, {space, "s"}} {
			if x.set.contains(c) {
				got.flags += x.flag
			}
		}
		if uni.isCased(c) {
			got.flags += "c"
		}
		if got != want {
			bad++
			if bad < 20 {
				t.Errorf("%U: hark %+v, Python %+v", c, got, want)
			}
		}
		var gotFix []string
		for _, k := range pyCaseFixes(c) {
			gotFix = append(gotFix, fmt.Sprintf("%x", k))
		}
		if got := strings.Join(gotFix, ","); got != fixes[c] {
			t.Errorf("case fixes of %U: hark %s, Python %s", c, got, fixes[c])
		}
	}
	assert.Zero(t, bad, "code points that differ")
}

func TestRuneSet(t *testing.T) {
	s := runeSet{5, 9, 1, 2, 3, 4, 20, 30}.norm()
	assert.Equal(t, runeSet{1, 9, 20, 30}, s)
	assert.True(t, s.contains(1))
	assert.True(t, s.contains(9))
	assert.True(t, s.contains(25))
	assert.False(t, s.contains(0))
	assert.False(t, s.contains(10))
	assert.False(t, s.contains(31))
	assert.Equal(t, runeSet{0, 0, 10, 19, 31, unicode.MaxRune}, s.negate())
	assert.Equal(t, runeSet{1, 4, 8, 9}, s.minus(runeSet{5, 7, 20, 40}))
	assert.Equal(t, s, s.negate().negate())
	assert.Equal(t, `[\x{1}-\x{9}\x{14}-\x{1e}]`, s.re2())
	assert.Equal(t, `\.`, runeSet{'.', '.'}.re2())
	assert.Equal(t, `[^\x00-\x{10FFFF}]`, runeSet(nil).re2())
}
