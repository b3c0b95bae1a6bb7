package dispatcher

import "unicode"

// pyFold is Python's case-insensitive matching of str patterns (_sre's
// IGNORECASE): a character matches a cased pattern character when their
// lower cases are equal or are one of the pairs in pyCaseFixes. Under the
// ASCII flag only A-Z and a-z fold.
type pyFold struct {
	ascii    bool
	changers runeSet // the code points whose lower case differs; built on first use
}

// lower is _sre's lower(): Go's simple lower-case mapping, which equals
// CPython's for every code point both know (TestPyCaseMappings).
func (f *pyFold) lower(r rune) rune {
	if f.ascii {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// upper is CPython's upper() as _sre uses it: the first code point of the
// full upper-case mapping.
func (f *pyFold) upper(r rune) rune {
	if u, ok := pyUpperSpecial(r); ok {
		return u
	}
	return unicode.ToUpper(r)
}

// isCased is _sre's iscased.
func (f *pyFold) isCased(r rune) bool {
	if f.ascii {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return f.lower(r) != r || f.upper(r) != r
}

// fixes are the other lower-case code points that match lo.
func (f *pyFold) fixes(lo rune) []rune {
	if f.ascii {
		return nil
	}
	return pyCaseFixes(lo)
}

// preimage is {c : lower(c) ∈ t}, t normalized: t without the code points
// that lower() changes, plus those whose lower case is in t.
func (f *pyFold) preimage(t runeSet) runeSet {
	if f.changers == nil {
		f.changers = f.changerSet()
	}
	out := t.minus(f.changers)
	for i := 0; i < len(f.changers); i += 2 {
		for c := f.changers[i]; c <= f.changers[i+1]; c++ {
			if t.contains(f.lower(c)) {
				out = out.addRange(c, c)
			}
		}
	}
	return out.norm()
}

func (f *pyFold) changerSet() runeSet {
	if f.ascii {
		return runeSet{'A', 'Z'}
	}
	var s runeSet
	for _, cr := range unicode.CaseRanges {
		for c := rune(cr.Lo); c <= rune(cr.Hi); c++ {
			if unicode.ToLower(c) != c {
				s = s.addRange(c, c)
			}
		}
	}
	return s.norm()
}

// literal is the set a cased or uncased literal matches (_sre's
// LITERAL_UNI_IGNORE and friends).
func (f *pyFold) literal(r rune) runeSet {
	if !f.isCased(r) {
		return runeSet{r, r}
	}
	lo := f.lower(r)
	t := runeSet{lo, lo}
	for _, k := range f.fixes(lo) {
		t = t.addRange(k, k)
	}
	return f.preimage(t.norm())
}

// pyCaseFixes is CPython's re._casefix._EXTRA_CASES (3.11): lower-case code
// points that match each other although lower() does not make them equal
// (they share an upper case).
func pyCaseFixes(lo rune) []rune {
	switch lo {
	case 0x0069:
		return []rune{0x0131}
	case 0x0073:
		return []rune{0x017f}
	case 0x00b5:
		return []rune{0x03bc}
	case 0x0131:
		return []rune{0x0069}
	case 0x017f:
		return []rune{0x0073}
	case 0x0345:
		return []rune{0x03b9, 0x1fbe}
	case 0x0390:
		return []rune{0x1fd3}
	case 0x03b0:
		return []rune{0x1fe3}
	case 0x03b2:
		return []rune{0x03d0}
	case 0x03b5:
		return []rune{0x03f5}
	case 0x03b8:
		return []rune{0x03d1}
	case 0x03b9:
		return []rune{0x0345, 0x1fbe}
	case 0x03ba:
		return []rune{0x03f0}
	case 0x03bc:
		return []rune{0x00b5}
	case 0x03c0:
		return []rune{0x03d6}
	case 0x03c1:
		return []rune{0x03f1}
	case 0x03c2:
		return []rune{0x03c3}
	case 0x03c3:
		return []rune{0x03c2}
	case 0x03c6:
		return []rune{0x03d5}
	case 0x03d0:
		return []rune{0x03b2}
	case 0x03d1:
		return []rune{0x03b8}
	case 0x03d5:
		return []rune{0x03c6}
	case 0x03d6:
		return []rune{0x03c0}
	case 0x03f0:
		return []rune{0x03ba}
	case 0x03f1:
		return []rune{0x03c1}
	case 0x03f5:
		return []rune{0x03b5}
	case 0x0432:
		return []rune{0x1c80}
	case 0x0434:
		return []rune{0x1c81}
	case 0x043e:
		return []rune{0x1c82}
	case 0x0441:
		return []rune{0x1c83}
	case 0x0442:
		return []rune{0x1c84, 0x1c85}
	case 0x044a:
		return []rune{0x1c86}
	case 0x0463:
		return []rune{0x1c87}
	case 0x1c80:
		return []rune{0x0432}
	case 0x1c81:
		return []rune{0x0434}
	case 0x1c82:
		return []rune{0x043e}
	case 0x1c83:
		return []rune{0x0441}
	case 0x1c84:
		return []rune{0x0442, 0x1c85}
	case 0x1c85:
		return []rune{0x0442, 0x1c84}
	case 0x1c86:
		return []rune{0x044a}
	case 0x1c87:
		return []rune{0x0463}
	case 0x1c88:
		return []rune{0xa64b}
	case 0x1e61:
		return []rune{0x1e9b}
	case 0x1e9b:
		return []rune{0x1e61}
	case 0x1fbe:
		return []rune{0x0345, 0x03b9}
	case 0x1fd3:
		return []rune{0x0390}
	case 0x1fe3:
		return []rune{0x03b0}
	case 0xa64b:
		return []rune{0x1c88}
	case 0xfb05:
		return []rune{0xfb06}
	case 0xfb06:
		return []rune{0xfb05}
	}
	return nil
}

// pyUpperSpecial is where CPython's upper() (the first code point of the
// full mapping, from SpecialCasing.txt) differs from Go's simple
// unicode.ToUpper; TestPyCaseMappings checks the table against CPython.
func pyUpperSpecial(r rune) (rune, bool) {
	switch r {
	case 0x00DF, 0xFB05, 0xFB06:
		return 0x0053, true
	case 0x0149:
		return 0x02BC, true
	case 0x01F0:
		return 0x004A, true
	case 0x0390, 0x1FD2, 0x1FD3, 0x1FD6, 0x1FD7:
		return 0x0399, true
	case 0x03B0, 0x1F50, 0x1F52, 0x1F54, 0x1F56, 0x1FE2, 0x1FE3, 0x1FE6, 0x1FE7:
		return 0x03A5, true
	case 0x0587:
		return 0x0535, true
	case 0x1E96:
		return 0x0048, true
	case 0x1E97:
		return 0x0054, true
	case 0x1E98:
		return 0x0057, true
	case 0x1E99:
		return 0x0059, true
	case 0x1E9A:
		return 0x0041, true
	case 0x1F80, 0x1F88:
		return 0x1F08, true
	case 0x1F81, 0x1F89:
		return 0x1F09, true
	case 0x1F82, 0x1F8A:
		return 0x1F0A, true
	case 0x1F83, 0x1F8B:
		return 0x1F0B, true
	case 0x1F84, 0x1F8C:
		return 0x1F0C, true
	case 0x1F85, 0x1F8D:
		return 0x1F0D, true
	case 0x1F86, 0x1F8E:
		return 0x1F0E, true
	case 0x1F87, 0x1F8F:
		return 0x1F0F, true
	case 0x1F90, 0x1F98:
		return 0x1F28, true
	case 0x1F91, 0x1F99:
		return 0x1F29, true
	case 0x1F92, 0x1F9A:
		return 0x1F2A, true
	case 0x1F93, 0x1F9B:
		return 0x1F2B, true
	case 0x1F94, 0x1F9C:
		return 0x1F2C, true
	case 0x1F95, 0x1F9D:
		return 0x1F2D, true
	case 0x1F96, 0x1F9E:
		return 0x1F2E, true
	case 0x1F97, 0x1F9F:
		return 0x1F2F, true
	case 0x1FA0, 0x1FA8:
		return 0x1F68, true
	case 0x1FA1, 0x1FA9:
		return 0x1F69, true
	case 0x1FA2, 0x1FAA:
		return 0x1F6A, true
	case 0x1FA3, 0x1FAB:
		return 0x1F6B, true
	case 0x1FA4, 0x1FAC:
		return 0x1F6C, true
	case 0x1FA5, 0x1FAD:
		return 0x1F6D, true
	case 0x1FA6, 0x1FAE:
		return 0x1F6E, true
	case 0x1FA7, 0x1FAF:
		return 0x1F6F, true
	case 0x1FB2:
		return 0x1FBA, true
	case 0x1FB3, 0x1FB6, 0x1FB7, 0x1FBC:
		return 0x0391, true
	case 0x1FB4:
		return 0x0386, true
	case 0x1FC2:
		return 0x1FCA, true
	case 0x1FC3, 0x1FC6, 0x1FC7, 0x1FCC:
		return 0x0397, true
	case 0x1FC4:
		return 0x0389, true
	case 0x1FE4:
		return 0x03A1, true
	case 0x1FF2:
		return 0x1FFA, true
	case 0x1FF3, 0x1FF6, 0x1FF7, 0x1FFC:
		return 0x03A9, true
	case 0x1FF4:
		return 0x038F, true
	case 0xFB00, 0xFB01, 0xFB02, 0xFB03, 0xFB04:
		return 0x0046, true
	case 0xFB13, 0xFB14, 0xFB15, 0xFB17:
		return 0x0544, true
	case 0xFB16:
		return 0x054E, true
	}
	return 0, false
}

// upperIn is the code points c with upper(c) in lo..hi and different from
// c: what _sre's RANGE_UNI_IGNORE adds to a range.
func (f *pyFold) upperIn(lo, hi rune) []rune {
	var out []rune
	check := func(c rune) {
		if u := f.upper(c); u != c && lo <= u && u <= hi {
			out = append(out, c)
		}
	}
	for _, cr := range unicode.CaseRanges {
		for c := rune(cr.Lo); c <= rune(cr.Hi); c++ {
			check(c)
		}
	}
	for c := rune(0); c <= 0xFFFF; c++ {
		if _, ok := pyUpperSpecial(c); ok {
			check(c)
		}
	}
	return out
}
