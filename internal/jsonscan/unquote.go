package jsonscan

import (
	"bytes"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeRune decodes the first character of the contents (the bytes
// between the quotes) of a string Str has validated: an escape sequence or
// one UTF-8 encoded rune. A valid \uXXXX surrogate pair is one code point
// (size 12); a lone surrogate is returned as it is (size 6), for the
// caller to replace (AppendUnquoted, as encoding/json does) or keep
// (Python's json does); an invalid UTF-8 byte is utf8.RuneError, size 1.
func DecodeRune(s []byte) (r rune, size int) {
	if s[0] != '\\' {
		if s[0] < utf8.RuneSelf {
			return rune(s[0]), 1
		}
		return utf8.DecodeRune(s)
	}
	switch e := s[1]; e {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r, _ = hex4(s[2:])
		if utf16.IsSurrogate(r) && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if lo, ok := hex4(s[8:]); ok {
				if dec := utf16.DecodeRune(r, lo); dec != unicode.ReplacementChar {
					return dec, 12
				}
			}
		}
		return r, 6
	default: // '"', '\\', '/'
		return rune(e), 2
	}
}

// AppendUnquoted appends the text of a validated string given its
// contents. It decodes exactly as encoding/json does, so every decode path
// gives the same strings: invalid UTF-8 bytes each become U+FFFD, a valid
// \uXXXX surrogate pair becomes one code point, and a lone surrogate
// becomes U+FFFD.
func AppendUnquoted(dst, s []byte) []byte {
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
		if s[r] == '\\' && (s[r+1] == '"' || s[r+1] == '\\') {
			// The escapes of a JSON document quoted inside a string (oslo's
			// v2 envelope): by far the most common, so kept off the call.
			dst = append(dst, s[r+1])
			r += 2
			continue
		}
		c, size := DecodeRune(s[r:])
		r += size
		dst = utf8.AppendRune(dst, c) // a lone surrogate is written as U+FFFD
	}
	return dst
}

// Unquote returns the text of a validated string given its contents,
// copying the bytes as they are when nothing needs decoding.
func Unquote(s []byte) string {
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return string(s)
	}
	return string(AppendUnquoted(make([]byte, 0, len(s)), s))
}

// hex4 decodes the four hex digits at the start of s.
func hex4(s []byte) (r rune, ok bool) {
	if len(s) < 4 {
		return 0, false
	}
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			c = (c | 0x20) - 'a' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
