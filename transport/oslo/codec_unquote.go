package oslo

import (
	"bytes"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// appendUnquoted appends the text of a JSON string whose contents (the
// bytes between the quotes) jsonscan.Scanner has validated. It decodes exactly
// as encoding/json does, so both decode paths give the same strings:
// invalid UTF-8 bytes each become U+FFFD, a valid \uXXXX surrogate pair
// becomes one code point, and a lone surrogate becomes U+FFFD.
func appendUnquoted(dst, s []byte) []byte {
	for r := 0; r < len(s); {
		// Copy a run of plain ASCII in one append: most text is.
		run := r
		for run < len(s) && s[run] != '\\' && s[run] < utf8.RuneSelf {
			run++
		}
		dst = append(dst, s[r:run]...)
		if r = run; r >= len(s) {
			break
		}
		if s[r] != '\\' {
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			dst = utf8.AppendRune(dst, rr)
			continue
		}
		switch e := s[r+1]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			rr := getU4(s[r:])
			r += 6
			if utf16.IsSurrogate(rr) {
				if dec := utf16.DecodeRune(rr, getU4(s[r:])); dec != unicode.ReplacementChar {
					r += 6
					dst = utf8.AppendRune(dst, dec)
					continue
				}
				rr = unicode.ReplacementChar
			}
			dst = utf8.AppendRune(dst, rr)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
		r += 2
	}
	return dst
}

// getU4 decodes the \uXXXX escape at the start of s, or returns -1.
func getU4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		if !isHex(c) {
			return -1
		}
		r = r<<4 | rune(unhex(c))
	}
	return r
}

// unquoteContents returns the text of a validated JSON string given its
// contents, copying the bytes as they are when nothing needs decoding.
func unquoteContents(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw)
	}
	return string(appendUnquoted(make([]byte, 0, len(raw)), raw))
}
