package dispatcher

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// runeSet is a set of code points as sorted, disjoint, non-adjacent
// inclusive ranges [lo0, hi0, lo1, hi1, ...]: what a Python character class
// becomes before it is written out as an RE2 class.
type runeSet []rune

// addRange adds lo..hi; the set is normalized by norm.
func (s runeSet) addRange(lo, hi rune) runeSet { return append(s, lo, hi) }

// norm sorts and merges the ranges.
func (s runeSet) norm() runeSet {
	n := len(s) / 2
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(s[2*a] - s[2*b]) })
	out := make(runeSet, 0, len(s))
	for _, i := range idx {
		lo, hi := s[2*i], s[2*i+1]
		if k := len(out); k > 0 && lo <= out[k-1]+1 {
			out[k-1] = max(out[k-1], hi)
			continue
		}
		out = append(out, lo, hi)
	}
	return out
}

// union is s ∪ t.
func (s runeSet) union(t runeSet) runeSet { return append(slices.Clip(s), t...).norm() }

// negate is the complement of s (normalized) among all code points.
func (s runeSet) negate() runeSet {
	out := make(runeSet, 0, len(s)+2)
	next := rune(0)
	for i := 0; i < len(s); i += 2 {
		if s[i] > next {
			out = append(out, next, s[i]-1)
		}
		next = s[i+1] + 1
	}
	if next <= unicode.MaxRune {
		out = append(out, next, unicode.MaxRune)
	}
	return out
}

// minus is s \ t, both normalized.
func (s runeSet) minus(t runeSet) runeSet { return s.intersect(t.negate()) }

// intersect is s ∩ t, both normalized.
func (s runeSet) intersect(t runeSet) runeSet {
	var out runeSet
	for i, j := 0, 0; i < len(s) && j < len(t); {
		lo, hi := max(s[i], t[j]), min(s[i+1], t[j+1])
		if lo <= hi {
			out = append(out, lo, hi)
		}
		if s[i+1] < t[j+1] {
			i += 2
		} else {
			j += 2
		}
	}
	return out
}

// contains reports whether r is in s (normalized).
func (s runeSet) contains(r rune) bool {
	i, _ := slices.BinarySearchFunc(s, r, func(x, r rune) int { return int(x - r) })
	// i is the first element >= r: a range starts at r (even i, s[i] == r),
	// or r lies in the range ending at s[i] (odd i).
	return i < len(s) && (i%2 == 1 || s[i] == r)
}

// single reports the one code point of s, if it holds exactly one.
func (s runeSet) single() (rune, bool) {
	if len(s) == 2 && s[0] == s[1] {
		return s[0], true
	}
	return 0, false
}

// re2 writes s as an RE2 atom: a quoted literal for one code point, else a
// class of \x{...} ranges (an empty set is a class that matches nothing).
func (s runeSet) re2() string {
	if r, ok := s.single(); ok {
		return quoteRune(r)
	}
	if len(s) == 0 {
		return `[^\x00-\x{10FFFF}]`
	}
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < len(s); i += 2 {
		fmt.Fprintf(&b, `\x{%x}`, s[i])
		if s[i+1] != s[i] {
			fmt.Fprintf(&b, `-\x{%x}`, s[i+1])
		}
	}
	b.WriteByte(']')
	return b.String()
}

// quoteRune writes r as an RE2 literal.
func quoteRune(r rune) string {
	if r > unicode.MaxRune || (0xD800 <= r && r <= 0xDFFF) {
		// A lone surrogate: Go strings carry none (they decode as U+FFFD).
		return `[^\x00-\x{10FFFF}]`
	}
	return regexpQuote(string(r))
}

// fromTable is the set of the code points in t.
func fromTable(t *unicode.RangeTable) runeSet {
	var s runeSet
	for _, r := range t.R16 {
		s = addStrided(s, rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	for _, r := range t.R32 {
		s = addStrided(s, rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	return s
}

func addStrided(s runeSet, lo, hi, stride rune) runeSet {
	if stride == 1 {
		return s.addRange(lo, hi)
	}
	for r := lo; r <= hi; r += stride {
		s = s.addRange(r, r)
	}
	return s
}

// pyCategory is one of Python's \d, \s, \w classes (or their negations,
// \D, \S, \W), as _sre defines them for str patterns.
type pyCategory byte

// set is the category's code points: ASCII ones under the ASCII flag, else
// Unicode ones. Unicode \d is Nd (str.isdecimal); \w is str.isalnum() or
// '_' (every letter category and every number category, Nd, Nl, No); \s is
// str.isspace(). These equal CPython's definitions for every code point
// assigned in both Go's and Python's Unicode versions (TestPyCategories).
func (c pyCategory) set(ascii bool) runeSet {
	var s runeSet
	switch c | 0x20 { // lower case: the class; upper case: its negation
	case 'd':
		if ascii {
			s = runeSet{'0', '9'}
		} else {
			s = fromTable(unicode.Nd).norm()
		}
	case 's':
		s = runeSet{'\t', '\r', ' ', ' '}
		if !ascii {
			s = s.union(runeSet{0x1c, 0x1f, 0x85, 0x85, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a,
				0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000})
		}
	case 'w':
		if ascii {
			s = runeSet{'0', '9', 'A', 'Z', '_', '_', 'a', 'z'}
		} else {
			s = append(append(fromTable(unicode.L), fromTable(unicode.N)...), '_', '_').norm()
		}
	}
	if c < 'a' {
		return s.negate()
	}
	return s
}
