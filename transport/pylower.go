package transport

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyLower lower-cases s as Python's str.lower does, which oslo's
// dispatcher applies to the priority: the full Unicode lower-case mapping
// (İ U+0130 becomes "i̇", i + U+0307, where strings.ToLower gives "i"),
// and Σ becomes final ς at the end of a word (Unicode's Final_Sigma
// condition), σ elsewhere. Everything else maps as unicode.ToLower does.
func pyLower(s string) string {
	special := false
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			special = strings.ContainsAny(s, "\u0130\u03a3")
			break
		}
	}
	if !special {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i, r := range s {
		switch r {
		case '\u0130':
			b.WriteString("i\u0307")
		case '\u03a3':
			if finalSigma(s, i) {
				b.WriteRune('\u03c2')
			} else {
				b.WriteRune('\u03c3')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma reports Unicode's Final_Sigma condition for the Σ at byte i
// of s, as CPython's handle_capital_sigma checks it: a cased letter before
// it and none after it, skipping case-ignorable characters both ways.
func finalSigma(s string, i int) bool {
	j := i
	before := false
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
		if !caseIgnorable(r) {
			before = cased(r)
			break
		}
	}
	if !before {
		return false
	}
	for _, r := range s[i+len("\u03a3"):] {
		if !caseIgnorable(r) {
			return !cased(r)
		}
	}
	return true
}

// cased is Unicode's Cased property: Lowercase, Uppercase or Lt.
func cased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// caseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk,
// and the Word_Break classes MidLetter, MidNumLet and Single_Quote (listed
// here: the unicode package has no Word_Break tables).
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '\u00b7', '\u0387', '\u055f', '\u05f4', '\u2018', '\u2019', '\u2024',
		'\u2027', '\ufe13', '\ufe52', '\ufe55', '\uff07', '\uff0e', '\uff1a':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
