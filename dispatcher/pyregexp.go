package dispatcher

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// errNoRE2 ends the message of every pattern rejected for a feature RE2
// lacks.
const errNoRE2 = "Go's RE2 engine lacks lookaround and backreferences (and possessive quantifiers, atomic groups, conditionals)"

// compilePython compiles a Python re pattern so that MatchString has
// re.match semantics: anchored at the start of the string, not at the end.
func compilePython(pat string) (*regexp.Regexp, error) {
	tr, err := translatePython(pat)
	if err != nil {
		return nil, err
	}
	// Parse the pattern on its own first, so that errors quote it rather
	// than the anchored form, and so that unbalanced parentheses cannot
	// escape the anchor: `a)|(b` must not become `^(?:a)|(b)`.
	if _, err := syntax.Parse(tr, syntax.Perl); err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, syntaxError{se}
		}
		return nil, err
	}
	return regexp.Compile(`^(?:` + tr + `)`)
}

// syntaxError is a *syntax.Error without its "error parsing regexp" prefix,
// which FilterError's message makes redundant. The quoted fragment is
// enough to find the problem in the original pattern.
type syntaxError struct{ err *syntax.Error }

func (e syntaxError) Error() string { return fmt.Sprintf("%s: `%s`", e.err.Code, e.err.Expr) }

func (e syntaxError) Unwrap() error { return e.err }

// translatePython rewrites the Python re spellings RE2 spells differently
// and rejects the constructs RE2 cannot express:
//
//   - \Z (end of string) becomes \z;
//   - $ outside a class becomes (?:$|\n\z): Python's $ also matches before a
//     newline that ends the string;
//   - {,n} and {,} become {0,n} and {0,} (RE2 reads them as literals);
//   - octal escapes (\0, \012, \123), \uXXXX and \UXXXXXXXX become \x{...};
//   - in a class, \b (backspace) becomes \x{8} and [ becomes \[ (Python has
//     no [:alpha:] classes);
//   - (?#comment) is dropped, and so are the a (ASCII) and u (Unicode)
//     inline flags;
//   - lookahead, lookbehind, backreferences (\1, (?P=name)), atomic groups,
//     possessive quantifiers, conditionals, verbose mode (?x) and \N{...}
//     are errors.
//
// Everything else is passed through; regexp.Compile reports what is left.
func translatePython(pat string) (string, error) {
	var b strings.Builder
	b.Grow(len(pat) + 8)
	const (
		noQuant   = iota
		quant     // the last token was a quantifier
		lazyQuant // the last token was a quantifier's lazy '?'
	)
	q := noQuant
	for i := 0; i < len(pat); {
		c := pat[i]
		prevQ := q
		q = noQuant
		switch c {
		case '\\':
			n, err := translateEscape(&b, pat[i:], false)
			if err != nil {
				return "", err
			}
			i += n
		case '[':
			n, err := translateClass(&b, pat[i:])
			if err != nil {
				return "", err
			}
			i += n
		case '(':
			n, err := translateGroup(&b, pat[i:])
			if err != nil {
				return "", err
			}
			i += n
		case '$':
			b.WriteString(`(?:$|\n\z)`)
			i++
		case '*', '+', '?':
			switch {
			case c == '+' && prevQ == quant:
				return "", fmt.Errorf("possessive quantifier %q is not supported: %s", pat[max(0, i-1):i+1], errNoRE2)
			case c == '?' && prevQ == quant:
				q = lazyQuant
			default:
				q = quant
			}
			b.WriteByte(c)
			i++
		case '{':
			if n, rep, ok := pythonRepeat(pat[i:]); ok {
				b.WriteString(rep)
				i += n
				q = quant
				break
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// pythonRepeat parses a {m}, {m,}, {,n}, {m,n} or {,} quantifier at the
// start of s, as Python does, and returns its length and RE2 spelling. ok is
// false when s does not start with one (Python then reads '{' literally).
func pythonRepeat(s string) (n int, rep string, ok bool) {
	i := 1
	lo := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	loDigits := s[lo:i]
	hiDigits, comma := "", false
	if i < len(s) && s[i] == ',' {
		comma = true
		i++
		hi := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		hiDigits = s[hi:i]
	}
	if i >= len(s) || s[i] != '}' || (!comma && loDigits == "") {
		return 0, "", false
	}
	i++
	if loDigits == "" {
		loDigits = "0"
	}
	if !comma {
		return i, "{" + loDigits + "}", true
	}
	return i, "{" + loDigits + "," + hiDigits + "}", true
}

// translateEscape translates the escape at the start of s (s[0] == '\\'),
// writes it to b and returns its length.
func translateEscape(b *strings.Builder, s string, inClass bool) (int, error) {
	if len(s) < 2 {
		b.WriteString(s) // a trailing backslash; regexp reports it
		return len(s), nil
	}
	c := s[1]
	switch {
	case isDigit(c):
		return translateNumericEscape(b, s, inClass)
	case c == 'Z' && !inClass:
		b.WriteString(`\z`)
		return 2, nil
	case c == 'b' && inClass:
		b.WriteString(`\x{8}`)
		return 2, nil
	case c == 'u' || c == 'U':
		digits := 4
		if c == 'U' {
			digits = 8
		}
		if len(s) < 2+digits || !isHex(s[2:2+digits]) {
			return 0, fmt.Errorf("incomplete escape %q", s[:min(len(s), 2+digits)])
		}
		b.WriteString(`\x{` + s[2:2+digits] + `}`)
		return 2 + digits, nil
	case c == 'N':
		return 0, errors.New(`named Unicode escapes (\N{...}) are not supported; use \x{...}`)
	}
	b.WriteString(s[:2])
	return 2, nil
}

// translateNumericEscape handles \ followed by a digit. Python reads it as
// an octal escape when it starts with 0 or has three octal digits, and
// otherwise (outside a class) as a backreference.
func translateNumericEscape(b *strings.Builder, s string, inClass bool) (int, error) {
	n := 2
	for n < len(s) && n < 4 && isOctal(s[n]) && (s[1] == '0' || isOctal(s[1])) {
		n++
	}
	octal := s[1] == '0' || n == 4 || inClass
	if !octal || !isOctal(s[1]) {
		if inClass {
			return 0, fmt.Errorf("bad escape %q", s[:2])
		}
		ref := 2
		if len(s) > 2 && isDigit(s[2]) {
			ref = 3
		}
		return 0, fmt.Errorf("backreference %q is not supported: %s", s[:ref], errNoRE2)
	}
	v, err := strconv.ParseUint(s[1:n], 8, 16)
	if err != nil || v > 0o377 {
		return 0, fmt.Errorf("octal escape %q out of range", s[:n])
	}
	fmt.Fprintf(b, `\x{%x}`, v)
	return n, nil
}

// translateClass translates the character class at the start of s
// (s[0] == '['), writes it to b and returns its length.
func translateClass(b *strings.Builder, s string) (int, error) {
	i := 1
	b.WriteByte('[')
	if i < len(s) && s[i] == '^' {
		b.WriteByte('^')
		i++
	}
	if i < len(s) && s[i] == ']' { // a leading ']' is a literal
		b.WriteString(`\]`)
		i++
	}
	for i < len(s) {
		switch c := s[i]; c {
		case ']':
			b.WriteByte(']')
			return i + 1, nil
		case '[':
			b.WriteString(`\[`)
			i++
		case '\\':
			n, err := translateEscape(b, s[i:], true)
			if err != nil {
				return 0, err
			}
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return 0, errors.New("unterminated character set")
}

// translateGroup translates the group opening at the start of s
// (s[0] == '('), writes it to b and returns its length. Only the opening is
// consumed; the group's body is translated by the caller.
func translateGroup(b *strings.Builder, s string) (int, error) {
	if len(s) < 2 || s[1] != '?' {
		b.WriteByte('(')
		return 1, nil
	}
	rest := s[2:]
	unsupported := func(what, tok string) (int, error) {
		return 0, fmt.Errorf("%s %q is not supported: %s", what, tok, errNoRE2)
	}
	switch {
	case strings.HasPrefix(rest, "="):
		return unsupported("lookahead", "(?=")
	case strings.HasPrefix(rest, "!"):
		return unsupported("negative lookahead", "(?!")
	case strings.HasPrefix(rest, "<="):
		return unsupported("lookbehind", "(?<=")
	case strings.HasPrefix(rest, "<!"):
		return unsupported("negative lookbehind", "(?<!")
	case strings.HasPrefix(rest, "P="):
		end := strings.IndexByte(rest, ')')
		tok := s
		if end >= 0 {
			tok = s[:2+end+1]
		}
		return unsupported("backreference", tok)
	case strings.HasPrefix(rest, ">"):
		return unsupported("atomic group", "(?>")
	case strings.HasPrefix(rest, "("):
		return unsupported("conditional", "(?(")
	case strings.HasPrefix(rest, "#"):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return 0, errors.New("missing ), unterminated comment")
		}
		return 2 + end + 1, nil
	}
	// Inline flags: (?flags) or (?flags-flags:...).
	j := 0
	for j < len(rest) && strings.IndexByte("aiLmsux-", rest[j]) >= 0 {
		j++
	}
	if j == 0 || j >= len(rest) || (rest[j] != ')' && rest[j] != ':') {
		b.WriteString("(?") // (?:, (?P<name>, or something regexp reports
		return 2, nil
	}
	var kept []byte
	for _, f := range []byte(rest[:j]) {
		switch f {
		case 'a', 'u':
			// ASCII / Unicode matching: RE2's classes are ASCII either way.
		case 'x':
			return 0, errors.New("verbose mode (?x) is not supported")
		case 'L':
			return 0, errors.New("locale mode (?L) is not supported")
		default:
			kept = append(kept, f)
		}
	}
	kept = []byte(strings.TrimSuffix(string(kept), "-"))
	switch {
	case rest[j] == ')' && len(kept) == 0:
		// nothing left to set
	case rest[j] == ')':
		b.WriteString("(?" + string(kept) + ")")
	case len(kept) == 0:
		b.WriteString("(?:")
	default:
		b.WriteString("(?" + string(kept) + ":")
	}
	return 2 + j + 1, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
