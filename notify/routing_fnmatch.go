package notify

import (
	"fmt"
	"regexp"
	"strings"
)

// compileGlob translates a Python fnmatch pattern into an anchored regexp,
// as fnmatch.translate does: '*' matches any run of characters (dots and
// newlines included), '?' any one character, "[seq]" one character in seq,
// "[!seq]" one not in seq; a '[' without a closing ']' is literal; every
// other character matches itself. Matching is case-sensitive (fnmatch on
// POSIX).
func compileGlob(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			// Find the closing ']' as fnmatch does: a '!' and then a ']'
			// right after the '[' belong to the set.
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			set := rs[i+1 : j]
			i = j
			b.WriteByte('[')
			if len(set) > 0 && set[0] == '!' {
				b.WriteByte('^')
				set = set[1:]
			}
			for _, r := range set {
				// '-' keeps its range meaning; everything else is
				// literal, so escape whatever RE2 might read specially
				// ('\\', '^', '[', ']', ':').
				if r == '-' || isAlnum(r) || r > 0x7f {
					b.WriteRune(r)
				} else {
					b.WriteByte('\\')
					b.WriteRune(r)
				}
			}
			b.WriteByte(']')
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("glob %q: %w", pat, err)
	}
	return re, nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
