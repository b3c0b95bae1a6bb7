package dispatcher

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// errNoRE2 ends the message of every pattern rejected for a feature RE2
// lacks.
const errNoRE2 = "Go's RE2 engine lacks lookaround and backreferences (and possessive quantifiers, atomic groups, conditionals)"

// dollarWhy explains the refusal of a $ that is not last.
const dollarWhy = `Python's $ also matches before a final newline without consuming it, which RE2 cannot express unless $ ends the pattern; use \Z for the end of the string`

// maxRE2Repeat is the largest repeat count RE2 accepts.
const maxRE2Repeat = 1000

// compilePython compiles a Python re pattern so that MatchString has
// re.match semantics: anchored at the start of the string, not at the end.
func compilePython(pat string) (*regexp.Regexp, error) {
	tr, err := translatePython(pat, false)
	if err != nil {
		return nil, err
	}
	// The translation is balanced, so the anchor covers all of it; parse it
	// alone first so that an RE2 limit (repeat counts, size) is reported
	// against the translation, not the anchored form.
	if _, err := syntax.Parse(tr, syntax.Perl); err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, unsupportedError{what: "this pattern", why: "RE2 rejects its translation: " + syntaxError{se}.Error()}.wrap(se)
		}
		return nil, err
	}
	return regexp.Compile(`^(?:` + tr + `)`)
}

// pyError is a pattern CPython's re module rejects; the message is
// Python's.
type pyError struct {
	msg string
	pos int // in code points, as Python counts
}

func (e *pyError) Error() string {
	return fmt.Sprintf("not a valid Python regular expression: %s at position %d", e.msg, e.pos)
}

// unsupportedError is a valid Python pattern that hark refuses because it
// cannot match it exactly as Python does.
type unsupportedError struct {
	what string // the construct, as written
	why  string
	err  error // an underlying error, or nil
}

func (e unsupportedError) Error() string {
	return fmt.Sprintf("%s is not supported: %s", e.what, e.why)
}

func (e unsupportedError) Unwrap() error { return e.err }

func (e unsupportedError) wrap(err error) unsupportedError { e.err = err; return e }

// syntaxError is a *syntax.Error without its "error parsing regexp" prefix,
// which FilterError's message makes redundant.
type syntaxError struct{ err *syntax.Error }

func (e syntaxError) Error() string { return fmt.Sprintf("%s: `%s`", e.err.Code, e.err.Expr) }

func (e syntaxError) Unwrap() error { return e.err }

// pyFlags are the inline flags in force at a point of the pattern.
type pyFlags uint8

const (
	flagIgnoreCase pyFlags = 1 << iota // i
	flagMultiline                      // m
	flagDotAll                         // s
	flagVerbose                        // x
	flagASCII                          // a (else Unicode)
	flagUnicode                        // u, tracked for Python's a/u conflict
	flagTemplate                       // t
)

// pyFlagBits maps an inline flag letter to its bit; 'L' (locale) has none.
func pyFlagBits(c rune) (pyFlags, bool) {
	switch c {
	case 'i':
		return flagIgnoreCase, true
	case 'm':
		return flagMultiline, true
	case 's':
		return flagDotAll, true
	case 'x':
		return flagVerbose, true
	case 'a':
		return flagASCII, true
	case 'u':
		return flagUnicode, true
	case 't':
		return flagTemplate, true
	case 'L':
		return 0, true
	}
	return 0, false
}

// combine applies a scoped group's flags, as _compiler._combine_flags does:
// turning on a or u replaces the other.
func (f pyFlags) combine(add, del pyFlags) pyFlags {
	if add&(flagASCII|flagUnicode) != 0 {
		f &^= flagASCII | flagUnicode
	}
	return (f | add) &^ del
}

// translatePython parses pat as CPython's re module (3.11) parses a str
// pattern and writes an RE2 pattern that matches exactly the same strings
// (at the start, as re.match), or fails with a *pyError where Python fails,
// or an unsupportedError for what RE2 cannot do exactly as Python does:
//
//   - classes, \d, \w, \s and case-insensitive literals are spelled out as
//     the code points Python's rules select (Unicode unless (?a));
//   - ^, $, \A, \Z and . are spelled out for the flags in force ($ also
//     matches before a final newline);
//   - (?x) whitespace and comments are dropped;
//   - every group becomes non-capturing (matching does not need captures).
//
// Refused: lookaround, backreferences, conditionals, atomic groups,
// possessive quantifiers, \N{...}, the t flag, repeat counts above 1000,
// \b and \B in Unicode mode (RE2's word boundaries are ASCII-only), and a
// $ (not multi-line) that more pattern follows: it is translated as
// (?:$|\n\z), which consumes the final newline Python's $ only looks at.
// Refusals (but a conditional's) wait for the end of the parse, so that a
// pattern with a syntax error gets Python's message.
//
// With asciiSubjects, classes keep only their ASCII code points: the
// translation then matches as Python does on ASCII strings only.
func translatePython(pat string, asciiSubjects bool) (string, error) {
	t := &translator{pat: pat, groupClosed: []bool{true}, names: map[string]int{}, asciiSubjects: asciiSubjects}
	t.fold[0].ascii, t.fold[1].ascii = false, true
	re, flags, _, err := t.parseSub(0, 0, 0)
	if err != nil {
		return "", err
	}
	if t.pos < len(pat) { // only a ')' stops the top-level parse early
		return "", t.errorf(t.pos, "unbalanced parenthesis")
	}
	if flags&flagASCII != 0 && flags&flagUnicode != 0 {
		return "", t.errorf(0, "ASCII and UNICODE flags are incompatible")
	}
	if t.refused != nil {
		return "", t.refused
	}
	return re, nil
}

// translator holds the state of one translation.
type translator struct {
	pat         string
	pos         int    // byte offset of the next code point
	groupClosed []bool // by group number; group 0 stands for the whole match
	names       map[string]int
	fold        [2]pyFold // Unicode, ASCII; their tables are built on first use
	items       int       // numbers the items no other equals
	// asciiSubjects: translate for subjects known to be ASCII, where a
	// class's other code points never match (smaller classes, faster).
	asciiSubjects bool
	// refused is the first construct found that hark cannot match as
	// Python does; parsing goes on, so that a pattern Python rejects is
	// reported as such.
	refused error
}

// refuse records the first construct hark cannot match as Python does.
func (t *translator) refuse(what, why string) {
	if t.refused == nil {
		t.refused = unsupportedError{what: what, why: why}
	}
}

// itemKind is what an item is, for quantifiers and alternation.
type itemKind uint8

const (
	itemOther      itemKind = iota
	itemLiteral             // one code point (Python LITERAL)
	itemNotLiteral          // [^c] (NOT_LITERAL)
	itemClass               // a class or category (IN)
	itemAt                  // an anchor: cannot be repeated
	itemRepeat              // a repeated item: cannot be repeated again
)

// item is one element of a sequence: its RE2 text (a single atom), and
// Python's parse of it where alternation needs it.
type item struct {
	kind  itemKind
	re    string
	key   string // equal keys: equal Python parse nodes (for common prefixes)
	lit   rune   // itemLiteral, itemNotLiteral
	class pyClass
	// tailDollar: the item ends with a $ (not multi-line), translated as
	// (?:$|\n\z), which consumes the final newline Python's $ only looks
	// at; exact only if nothing follows it.
	tailDollar bool
}

// pyClass is a Python character set as parsed: members, maybe negated.
type pyClass struct {
	negate  bool
	members []classMember
}

// classMember is a literal (lo == hi), a range or a category.
type classMember struct {
	lo, hi rune
	rng    bool       // a range, even if lo == hi
	cat    pyCategory // non-zero: a category; lo and hi unused
}

func (t *translator) errorf(pos int, format string, args ...any) error {
	return &pyError{msg: fmt.Sprintf(format, args...), pos: utf8.RuneCountInString(t.pat[:pos])}
}

// next returns the code point at pos without consuming it; ok is false at
// the end. An invalid byte reads as U+FFFD.
func (t *translator) next() (c rune, ok bool) {
	if t.pos >= len(t.pat) {
		return 0, false
	}
	c, _ = utf8.DecodeRuneInString(t.pat[t.pos:])
	return c, true
}

// get consumes and returns the next code point.
func (t *translator) get() (rune, bool) {
	if t.pos >= len(t.pat) {
		return 0, false
	}
	c, n := utf8.DecodeRuneInString(t.pat[t.pos:])
	t.pos += n
	return c, true
}

// match consumes c if it comes next.
func (t *translator) match(c rune) bool {
	if n, ok := t.next(); ok && n == c {
		t.get()
		return true
	}
	return false
}

func (t *translator) uniqueKey() string {
	t.items++
	return "#" + strconv.Itoa(t.items)
}

func (t *translator) folder(f pyFlags) *pyFold {
	if f&flagASCII != 0 {
		return &t.fold[1]
	}
	return &t.fold[0]
}

// parseSub parses an alternation (Python's _parse_sub) up to a ')' or the
// end, and returns its RE2 text and the flags after it (which global flags
// at the start of the pattern change).
func (t *translator) parseSub(flags pyFlags, verbose pyFlags, nested int) (string, pyFlags, bool, error) {
	var branches [][]item
	for {
		seq, f, err := t.parse(flags, verbose != 0, nested == 0 && len(branches) == 0)
		if err != nil {
			return "", 0, false, err
		}
		branches = append(branches, seq)
		if nested == 0 {
			flags = f
		}
		if !t.match('|') {
			break
		}
		if nested == 0 {
			verbose = flags & flagVerbose
		}
	}
	tail := false
	for _, br := range branches {
		tail = tail || len(br) > 0 && br[len(br)-1].tailDollar
	}
	return t.alternation(branches, flags), flags, tail, nil
}

// alternation writes branches as Python compiles them: a common prefix is
// taken out, and branches that are all single literals or classes become one
// class (which matters under IGNORECASE, where a class folds differently
// from a literal).
func (t *translator) alternation(branches [][]item, flags pyFlags) string {
	var b strings.Builder
	if len(branches) == 1 {
		for _, it := range branches[0] {
			b.WriteString(it.re)
		}
		return b.String()
	}
	for {
		if len(branches[0]) == 0 {
			break
		}
		key := branches[0][0].key
		same := true
		for _, br := range branches[1:] {
			if len(br) == 0 || br[0].key != key {
				same = false
				break
			}
		}
		if !same {
			break
		}
		b.WriteString(branches[0][0].re)
		for i := range branches {
			branches[i] = branches[i][1:]
		}
	}
	var set pyClass
	for _, br := range branches {
		if len(br) != 1 {
			set.members = nil
			break
		}
		switch it := br[0]; {
		case it.kind == itemLiteral:
			set.members = append(set.members, classMember{lo: it.lit, hi: it.lit})
			continue
		case it.kind == itemClass && !it.class.negate:
			set.members = append(set.members, it.class.members...)
			continue
		}
		set.members = nil
		break
	}
	if set.members != nil {
		b.WriteString(t.classRE(set, flags))
		return b.String()
	}
	b.WriteString("(?:")
	for i, br := range branches {
		if i > 0 {
			b.WriteByte('|')
		}
		for _, it := range br {
			b.WriteString(it.re)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// isPyWhitespace is the whitespace verbose mode skips.
func isPyWhitespace(c rune) bool { return strings.ContainsRune(" \t\n\r\v\f", c) }

// parse parses one branch (Python's _parse) up to a '|', a ')' or the end.
// first is true for the first branch at the top level, where global flags
// may appear before any item; it returns the flags after them.
func (t *translator) parse(flags pyFlags, verbose, first bool) ([]item, pyFlags, error) {
	var seq []item
	for {
		c, ok := t.next()
		if !ok || c == '|' || c == ')' {
			return seq, flags, nil
		}
		start := t.pos
		t.get()
		if verbose && (isPyWhitespace(c) || c == '#') {
			if c == '#' {
				for {
					c, ok := t.get()
					if !ok || c == '\n' {
						break
					}
				}
			}
			continue
		}
		if n := len(seq); n > 0 && seq[n-1].tailDollar && !strings.ContainsRune("*+?{", c) {
			t.refuse(fmt.Sprintf("$ followed by %q", t.pat[start:]), dollarWhy)
		}
		switch c {
		case '\\':
			it, err := t.escape(start, flags)
			if err != nil {
				return nil, 0, err
			}
			seq = append(seq, it)
		case '[':
			it, err := t.class(start, flags)
			if err != nil {
				return nil, 0, err
			}
			seq = append(seq, it)
		case '*', '+', '?', '{':
			var err error
			if seq, err = t.repeat(seq, c, start); err != nil {
				return nil, 0, err
			}
		case '.':
			re := "."
			if flags&flagDotAll != 0 {
				re = "(?s:.)"
			}
			seq = append(seq, item{kind: itemOther, re: re, key: "any"})
		case '^':
			re := "^"
			if flags&flagMultiline != 0 {
				re = "(?m:^)"
			}
			seq = append(seq, item{kind: itemAt, re: re, key: "at^"})
		case '$':
			re := `(?:$|\n\z)` // Python's $ also matches before a final newline
			if flags&flagMultiline != 0 {
				re = "(?m:$)"
			}
			seq = append(seq, item{kind: itemAt, re: re, key: "at$", tailDollar: flags&flagMultiline == 0})
		case '(':
			it, f, err := t.group(start, flags, verbose, first && len(seq) == 0)
			if err != nil {
				return nil, 0, err
			}
			if it == nil { // a comment, or global flags
				if f != flags {
					flags, verbose = f, f&flagVerbose != 0
				}
				continue
			}
			seq = append(seq, *it)
		default:
			seq = append(seq, t.literal(c, flags))
		}
	}
}

// literal is the item for the code point c.
func (t *translator) literal(c rune, flags pyFlags) item {
	it := item{kind: itemLiteral, lit: c, key: "L" + strconv.Itoa(int(c))}
	if flags&flagIgnoreCase != 0 {
		it.re = t.setRE(t.folder(flags).literal(c))
	} else {
		it.re = quoteRune(c)
	}
	return it
}

// repeat applies the quantifier c (at start) to the last item of seq.
func (t *translator) repeat(seq []item, c rune, start int) ([]item, error) {
	var q string
	switch c {
	case '*', '+', '?':
		q = string(c)
	case '{':
		// A '{' that starts no quantifier is a literal.
		literal := func() ([]item, error) {
			if n := len(seq); n > 0 && seq[n-1].tailDollar {
				t.refuse(fmt.Sprintf("$ followed by %q", t.pat[start:]), dollarWhy)
			}
			return append(seq, t.literal('{', 0)), nil
		}
		if n, ok := t.next(); ok && n == '}' {
			return literal()
		}
		here := t.pos
		lo, hi := t.digits(), ""
		comma := t.match(',')
		if comma {
			hi = t.digits()
		}
		if !t.match('}') {
			t.pos = here
			return literal()
		}
		min, max := 0, -1
		if lo != "" {
			v, err := t.repeatCount(lo, start)
			if err != nil {
				return nil, err
			}
			min = v
		}
		if !comma {
			hi = lo
		}
		if hi != "" {
			v, err := t.repeatCount(hi, start)
			if err != nil {
				return nil, err
			}
			max = v
			if max < min {
				return nil, t.errorf(start, "min repeat greater than max repeat")
			}
		}
		for _, v := range []int{min, max} {
			if v > maxRE2Repeat {
				t.refuse(fmt.Sprintf("repeat count %d in %q", v, t.pat[start:t.pos]), "RE2 allows at most 1000")
			}
		}
		switch {
		case !comma:
			q = fmt.Sprintf("{%d}", min)
		case max < 0:
			q = fmt.Sprintf("{%d,}", min)
		default:
			q = fmt.Sprintf("{%d,%d}", min, max)
		}
	}
	if len(seq) == 0 || seq[len(seq)-1].kind == itemAt {
		return nil, t.errorf(start, "nothing to repeat")
	}
	if seq[len(seq)-1].kind == itemRepeat {
		return nil, t.errorf(start, "multiple repeat")
	}
	if t.match('?') {
		q += "?"
	} else if t.match('+') {
		t.refuse(fmt.Sprintf("possessive quantifier %q", t.pat[start:t.pos]), errNoRE2)
	}
	last := &seq[len(seq)-1]
	if last.tailDollar && q != "?" && q != "??" && !strings.HasPrefix(q, "{0}") && !strings.HasPrefix(q, "{1}") && !strings.HasPrefix(q, "{0,1}") {
		t.refuse(fmt.Sprintf("$ in a repeated group (%q)", t.pat[start:t.pos]), dollarWhy)
	}
	*last = item{kind: itemRepeat, re: last.re + q, key: t.uniqueKey(), tailDollar: last.tailDollar}
	return seq, nil
}

func (t *translator) digits() string {
	start := t.pos
	for t.pos < len(t.pat) && isDigit(t.pat[t.pos]) {
		t.pos++
	}
	return t.pat[start:t.pos]
}

// repeatCount parses a repeat count; Python's limit is MAXREPEAT (2**32-1).
func (t *translator) repeatCount(s string, start int) (int, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v >= 1<<32-1 {
		return 0, t.errorf(start, "the repetition number is too large")
	}
	return int(v), nil
}

// group parses the group whose '(' is at start. It returns nil for a
// comment or for global flags, with the flags then in force.
func (t *translator) group(start int, flags pyFlags, verbose, first bool) (*item, pyFlags, error) {
	capture := true
	name := ""
	var add, del pyFlags
	if t.match('?') {
		c, ok := t.get()
		if !ok {
			return nil, 0, t.errorf(t.pos, "unexpected end of pattern")
		}
		switch {
		case c == 'P':
			switch {
			case t.match('<'):
				var err error
				if name, err = t.until('>', "group name"); err != nil {
					return nil, 0, err
				}
				if !isIdentifier(name) {
					return nil, 0, t.errorf(start, "bad character in group name %s", pyRepr(name))
				}
			case t.match('='):
				ref, err := t.until(')', "group name")
				if err != nil {
					return nil, 0, err
				}
				if !isIdentifier(ref) {
					return nil, 0, t.errorf(start, "bad character in group name %s", pyRepr(ref))
				}
				gid, ok := t.names[ref]
				if !ok {
					return nil, 0, t.errorf(start, "unknown group name %s", pyRepr(ref))
				}
				if !t.groupClosed[gid] {
					return nil, 0, t.errorf(start, "cannot refer to an open group")
				}
				t.refuse(fmt.Sprintf("backreference %q", t.pat[start:t.pos]), errNoRE2)
				return &item{kind: itemOther, key: t.uniqueKey()}, flags, nil
			default:
				c, ok := t.get()
				if !ok {
					return nil, 0, t.errorf(t.pos, "unexpected end of pattern")
				}
				return nil, 0, t.errorf(start, "unknown extension ?P%c", c)
			}
		case c == ':':
			capture = false
		case c == '#':
			for {
				c, ok := t.get()
				if !ok {
					return nil, 0, t.errorf(start, "missing ), unterminated comment")
				}
				if c == ')' {
					return nil, flags, nil
				}
			}
		case c == '=' || c == '!':
			t.refuse(lookaround("lookahead", "(?", c), errNoRE2)
			capture = false
		case c == '<':
			c, ok := t.get()
			switch {
			case !ok:
				return nil, 0, t.errorf(t.pos, "unexpected end of pattern")
			case c == '=' || c == '!':
				t.refuse(lookaround("lookbehind", "(?<", c), errNoRE2)
				capture = false
			default:
				return nil, 0, t.errorf(start, "unknown extension ?<%c", c)
			}
		case c == '(':
			return nil, 0, unsupportedError{what: `conditional "(?("`, why: errNoRE2}
		case c == '>':
			t.refuse(`atomic group "(?>"`, errNoRE2)
			capture = false
		case c == '-' || isFlagLetter(c):
			var global bool
			var err error
			if add, del, global, err = t.flags(c); err != nil {
				return nil, 0, err
			}
			if add&flagTemplate != 0 {
				t.refuse("the t (TEMPLATE) flag", "it changes how Python matches repeats")
			}
			if global {
				if !first {
					return nil, 0, t.errorf(start, "global flags not at the start of the expression")
				}
				return nil, flags | add, nil
			}
			capture = false
		default:
			return nil, 0, t.errorf(start, "unknown extension ?%c", c)
		}
	}
	gid := 0
	if capture {
		gid = len(t.groupClosed)
		if name != "" {
			if old, ok := t.names[name]; ok {
				return nil, 0, t.errorf(start, "redefinition of group name %s as group %d; was group %d", pyRepr(name), gid, old)
			}
			t.names[name] = gid
		}
		t.groupClosed = append(t.groupClosed, false)
	}
	sub := flags.combine(add, del)
	subVerbose := pyFlags(0)
	if (verbose || add&flagVerbose != 0) && del&flagVerbose == 0 {
		subVerbose = flagVerbose
	}
	re, _, tail, err := t.parseSub(sub, subVerbose, 1)
	if err != nil {
		return nil, 0, err
	}
	if !t.match(')') {
		return nil, 0, t.errorf(start, "missing ), unterminated subpattern")
	}
	if capture {
		t.groupClosed[gid] = true
	}
	return &item{kind: itemOther, re: "(?:" + re + ")", key: t.uniqueKey(), tailDollar: tail}, flags, nil
}

func isFlagLetter(c rune) bool { _, ok := pyFlagBits(c); return ok }

// flags parses inline flags after "(?" whose first letter c is consumed
// (Python's _parse_flags): "(?flags)" is global, "(?flags-flags:" scoped.
func (t *translator) flags(c rune) (add, del pyFlags, global bool, err error) {
	start := t.pos - 1
	if c != '-' {
		for {
			if c == 'L' {
				return 0, 0, false, t.errorf(start, "bad inline flags: cannot use 'L' flag with a str pattern")
			}
			f, _ := pyFlagBits(c)
			add |= f
			if f&(flagASCII|flagUnicode) != 0 && add&(flagASCII|flagUnicode) != f {
				return 0, 0, false, t.errorf(start, "bad inline flags: flags 'a', 'u' and 'L' are incompatible")
			}
			var ok bool
			if c, ok = t.get(); !ok {
				return 0, 0, false, t.errorf(t.pos, "missing -, : or )")
			}
			if c == ')' || c == '-' || c == ':' {
				break
			}
			if !isFlagLetter(c) {
				if unicode.IsLetter(c) {
					return 0, 0, false, t.errorf(t.pos, "unknown flag")
				}
				return 0, 0, false, t.errorf(t.pos, "missing -, : or )")
			}
		}
	}
	if c == ')' {
		return add, 0, true, nil
	}
	if add&flagTemplate != 0 {
		return 0, 0, false, t.errorf(start, "bad inline flags: cannot turn on global flag")
	}
	if c == '-' {
		var ok bool
		if c, ok = t.get(); !ok {
			return 0, 0, false, t.errorf(t.pos, "missing flag")
		}
		if !isFlagLetter(c) {
			if unicode.IsLetter(c) {
				return 0, 0, false, t.errorf(t.pos, "unknown flag")
			}
			return 0, 0, false, t.errorf(t.pos, "missing flag")
		}
		for {
			f, _ := pyFlagBits(c)
			if f&(flagASCII|flagUnicode) != 0 || c == 'L' {
				return 0, 0, false, t.errorf(start, "bad inline flags: cannot turn off flags 'a', 'u' and 'L'")
			}
			del |= f
			if c, ok = t.get(); !ok {
				return 0, 0, false, t.errorf(t.pos, "missing :")
			}
			if c == ':' {
				break
			}
			if !isFlagLetter(c) {
				if unicode.IsLetter(c) {
					return 0, 0, false, t.errorf(t.pos, "unknown flag")
				}
				return 0, 0, false, t.errorf(t.pos, "missing :")
			}
		}
	}
	if del&flagTemplate != 0 {
		return 0, 0, false, t.errorf(start, "bad inline flags: cannot turn off global flag")
	}
	if add&del != 0 {
		return 0, 0, false, t.errorf(start, "bad inline flags: flag turned on and off")
	}
	return add, del, false, nil
}

// until reads up to terminator (Python's Tokenizer.getuntil).
func (t *translator) until(terminator rune, name string) (string, error) {
	start := t.pos
	for {
		c, ok := t.get()
		if !ok {
			if t.pos == start {
				return "", t.errorf(t.pos, "missing %s", name)
			}
			return "", t.errorf(start, "missing %c, unterminated name", terminator)
		}
		if c == terminator {
			if t.pos-start == 1 {
				return "", t.errorf(start, "missing %s", name)
			}
			return t.pat[start : t.pos-1], nil
		}
	}
}

// isIdentifier approximates str.isidentifier (XID_Start XID_Continue*).
func isIdentifier(s string) bool {
	for i, c := range s {
		start := unicode.IsLetter(c) || c == '_' || unicode.Is(unicode.Nl, c) || unicode.Is(unicode.Other_ID_Start, c)
		cont := unicode.In(c, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
		if !start && (i == 0 || !cont) {
			return false
		}
	}
	return s != ""
}

// pyRepr quotes s roughly as Python's repr does, for error messages.
func pyRepr(s string) string { return "'" + s + "'" }

// escape parses the escape whose '\' is at start, outside a class
// (Python's _escape).
func (t *translator) escape(start int, flags pyFlags) (item, error) {
	c, ok := t.get()
	if !ok {
		return item{}, t.errorf(start, "bad escape (end of pattern)")
	}
	esc := t.pat[start:t.pos]
	switch c {
	case 'A':
		return item{kind: itemAt, re: `\A`, key: "atA"}, nil
	case 'Z':
		return item{kind: itemAt, re: `\z`, key: "atZ"}, nil
	case 'b', 'B':
		if flags&flagASCII == 0 {
			t.refuse(fmt.Sprintf("%s (a Unicode word boundary)", esc),
				"RE2's word boundaries are ASCII-only; use (?a) for ASCII word boundaries")
		}
		return item{kind: itemAt, re: esc, key: "at" + esc}, nil
	case 'd', 'D', 's', 'S', 'w', 'W':
		cls := pyClass{members: []classMember{{cat: pyCategory(c)}}}
		return item{kind: itemClass, re: t.classRE(cls, flags), key: "I" + string(c), class: cls}, nil
	}
	r, err := t.escapeValue(c, start, false)
	if err != nil {
		return item{}, err
	}
	return t.literal(r, flags), nil
}

// escapeValue is the code point of an escape that stands for one (after the
// letter c is consumed), shared by escapes in and outside classes.
func (t *translator) escapeValue(c rune, start int, inClass bool) (rune, error) {
	switch c {
	case 'a':
		return '\a', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'v':
		return '\v', nil
	case '\\':
		return '\\', nil
	case 'x', 'u', 'U':
		n := 2
		switch c {
		case 'u':
			n = 4
		case 'U':
			n = 8
		}
		digits := t.getWhile(n, "0123456789abcdefABCDEF")
		if len(digits) != n {
			return 0, t.errorf(start, "incomplete escape %s", t.pat[start:t.pos])
		}
		v, _ := strconv.ParseUint(digits, 16, 32)
		if v > unicode.MaxRune {
			return 0, t.errorf(start, "bad escape %s", t.pat[start:t.pos])
		}
		return rune(v), nil
	case 'N':
		if !t.match('{') {
			return 0, t.errorf(start, "missing {")
		}
		if _, err := t.until('}', "character name"); err != nil {
			return 0, err
		}
		t.refuse(`\N{...} (a named Unicode escape)`, `Go has no table of character names; use \uXXXX`)
		return 0, nil
	case '0':
		v, _ := strconv.ParseUint("0"+t.getWhile(2, "01234567"), 8, 32)
		return rune(v), nil
	}
	if isDigit(byte(c)) && c < utf8.RuneSelf {
		if inClass {
			if c > '7' {
				return 0, t.errorf(start, "bad escape %s", t.pat[start:t.pos])
			}
			digits := string(c) + t.getWhile(2, "01234567")
			return t.octal(digits, start)
		}
		digits := string(c)
		if n, ok := t.next(); ok && n < utf8.RuneSelf && isDigit(byte(n)) {
			t.get()
			digits += string(n)
			if n3, ok := t.next(); ok && isOctal(byte(c)) && isOctal(byte(n)) && n3 < utf8.RuneSelf && isOctal(byte(n3)) {
				t.get()
				return t.octal(digits+string(n3), start)
			}
		}
		group, _ := strconv.Atoi(digits)
		if group < len(t.groupClosed) {
			if !t.groupClosed[group] {
				return 0, t.errorf(start, "cannot refer to an open group")
			}
			t.refuse(fmt.Sprintf("backreference %q", t.pat[start:t.pos]), errNoRE2)
			return 0, nil
		}
		return 0, t.errorf(start, "invalid group reference %d", group)
	}
	if c < utf8.RuneSelf && unicode.IsLetter(c) {
		return 0, t.errorf(start, "bad escape %s", t.pat[start:t.pos])
	}
	return c, nil
}

func (t *translator) octal(digits string, start int) (rune, error) {
	v, _ := strconv.ParseUint(digits, 8, 32)
	if v > 0o377 {
		return 0, t.errorf(start, "octal escape value %s outside of range 0-0o377", t.pat[start:t.pos])
	}
	return rune(v), nil
}

// getWhile consumes up to n bytes that are in set.
func (t *translator) getWhile(n int, set string) string {
	start := t.pos
	for t.pos < len(t.pat) && t.pos-start < n && strings.IndexByte(set, t.pat[t.pos]) >= 0 {
		t.pos++
	}
	return t.pat[start:t.pos]
}

// class parses the character class whose '[' is at start.
func (t *translator) class(start int, flags pyFlags) (item, error) {
	var cls pyClass
	cls.negate = t.match('^')
	for {
		memberStart := t.pos
		c, ok := t.get()
		if !ok {
			return item{}, t.errorf(start, "unterminated character set")
		}
		if c == ']' && len(cls.members) > 0 {
			break
		}
		m1, err := t.classMember(c, memberStart)
		if err != nil {
			return item{}, err
		}
		if !t.match('-') {
			cls.members = append(cls.members, m1)
			continue
		}
		thatStart := t.pos
		c2, ok := t.get()
		if !ok {
			return item{}, t.errorf(start, "unterminated character set")
		}
		if c2 == ']' {
			cls.members = append(cls.members, m1, classMember{lo: '-', hi: '-'})
			break
		}
		m2, err := t.classMember(c2, thatStart)
		if err != nil {
			return item{}, err
		}
		if m1.cat != 0 || m2.cat != 0 || m2.lo < m1.lo {
			return item{}, t.errorf(memberStart, "bad character range %s", t.pat[memberStart:t.pos])
		}
		cls.members = append(cls.members, classMember{lo: m1.lo, hi: m2.lo, rng: true})
	}
	cls.members = uniq(cls.members)
	if len(cls.members) == 1 && cls.members[0].cat == 0 && !cls.members[0].rng {
		if !cls.negate {
			return t.literal(cls.members[0].lo, flags), nil
		}
		r := cls.members[0].lo
		set := runeSet{r, r}
		if flags&flagIgnoreCase != 0 {
			set = t.folder(flags).literal(r)
		}
		return item{kind: itemNotLiteral, re: t.setRE(set.negate()), key: "N" + strconv.Itoa(int(r)), lit: r}, nil
	}
	var key strings.Builder
	key.WriteString("I")
	if cls.negate {
		key.WriteString("^")
	}
	for _, m := range cls.members {
		fmt.Fprintf(&key, "%d-%d-%t-%d,", m.lo, m.hi, m.rng, m.cat)
	}
	return item{kind: itemClass, re: t.classRE(cls, flags), key: key.String(), class: cls}, nil
}

// classMember parses one member of a class whose first code point c (at
// start) is consumed (Python's _class_escape for escapes).
func (t *translator) classMember(c rune, start int) (classMember, error) {
	if c != '\\' {
		return classMember{lo: c, hi: c}, nil
	}
	c, ok := t.get()
	if !ok {
		return classMember{}, t.errorf(start, "bad escape (end of pattern)")
	}
	switch c {
	case 'd', 'D', 's', 'S', 'w', 'W':
		return classMember{cat: pyCategory(c)}, nil
	case 'b':
		return classMember{lo: '\b', hi: '\b'}, nil
	}
	r, err := t.escapeValue(c, start, true)
	return classMember{lo: r, hi: r}, err
}

// classRE writes a Python class (IN) as RE2 for the flags in force,
// following _compiler._optimize_charset and _sre's IN_UNI_IGNORE under
// IGNORECASE: a class with a cased member matches c when lower(c) is in the
// set of its members' lower cases (plus pyCaseFixes); a member beyond
// U+FFFF is kept as it is, and a range reaching beyond U+FFFF also matches
// c when upper(lower(c)) is in it.
func (t *translator) classRE(cls pyClass, flags pyFlags) string {
	ascii := flags&flagASCII != 0
	var set runeSet
	if flags&flagIgnoreCase == 0 || !t.hasCased(cls, flags) {
		for _, m := range cls.members {
			if m.cat != 0 {
				set = append(set, m.cat.set(ascii)...)
			} else {
				set = set.addRange(m.lo, m.hi)
			}
		}
		set = set.norm()
	} else {
		f := t.folder(flags)
		var lowered runeSet // the set lower(c) is tested against
		for _, m := range cls.members {
			switch {
			case m.cat != 0:
				lowered = append(lowered, m.cat.set(ascii)...)
			case !m.rng && f.lower(m.lo) > 0xFFFF:
				lowered = lowered.addRange(m.lo, m.lo)
			default:
				for r := m.lo; r <= min(m.hi, 0xFFFF); r++ {
					lo := f.lower(r)
					lowered = lowered.addRange(lo, lo)
					for _, k := range f.fixes(lo) {
						lowered = lowered.addRange(k, k)
					}
				}
				if m.hi > 0xFFFF {
					lowered = lowered.addRange(m.lo, m.hi)
					for _, c := range f.upperIn(m.lo, m.hi) {
						lowered = lowered.addRange(c, c)
					}
				}
			}
		}
		set = f.preimage(lowered.norm())
	}
	if cls.negate {
		set = set.negate()
	}
	return t.setRE(set)
}

// setRE writes s as an RE2 atom; for ASCII-only subjects only its ASCII
// part matters.
func (t *translator) setRE(s runeSet) string {
	if t.asciiSubjects {
		s = s.intersect(runeSet{0, unicode.MaxASCII})
	}
	return s.re2()
}

// hasCased is _optimize_charset's hascased: whether a literal or range
// member has a cased code point (or one beyond U+FFFF).
func (t *translator) hasCased(cls pyClass, flags pyFlags) bool {
	f := t.folder(flags)
	for _, m := range cls.members {
		if m.cat != 0 {
			continue
		}
		if m.hi > 0xFFFF {
			return true
		}
		for r := m.lo; r <= min(m.hi, 0xFFFF); r++ {
			if f.isCased(r) {
				return true
			}
		}
	}
	return false
}

// uniq drops repeated members, keeping the first (Python's _uniq).
func uniq(ms []classMember) []classMember {
	var out []classMember
	for _, m := range ms {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// regexpQuote quotes s for RE2.
func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

// lookaround names a lookaround group for an error: `lookahead "(?="`,
// `negative lookbehind "(?<!"`; c is '=' (positive) or '!' (negative).
func lookaround(kind, opener string, c rune) string {
	if c == '!' {
		kind = "negative " + kind
	}
	return kind + ` "` + opener + string(c) + `"`
}
