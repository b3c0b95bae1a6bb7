package jsonscan

import (
	"fmt"
	"strconv"
)

// SyntaxError says what is wrong with the JSON a Scanner rejected, and
// where.
type SyntaxError struct {
	// Offset is the byte offset in Scanner.Data where the input went
	// wrong.
	Offset int
	// Msg says what is wrong there.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// failure is why a scan failed; the message is built only when Err asks,
// so that a failed scan costs nothing the caller does not read.
type failure uint8

const (
	failNone failure = iota
	// failValue to failExponent: an unexpected byte (or end), where Err
	// says what was wanted.
	failValue
	failKey
	failColon
	failNextObject
	failNextArray
	failDigit
	failFraction
	failExponent
	// The rest: something wrong that Err names.
	failLiteral
	failUnterminated
	failControl
	failEscapeEnd
	failEscape
	failU4
	failDepth
	failTrailing
)

// fail records why the scan failed at s.Pos, and returns false for the
// caller to return. A failing method leaves Pos where the input went
// wrong, which is all Err needs.
func (s *Scanner) fail(why failure) bool {
	s.why = why
	return false
}

// Err describes why the last failed Value, Whole, Str, Number, Colon or
// Next failed, as a *SyntaxError; nil if none has failed.
func (s *Scanner) Err() error {
	if s.why == failNone {
		return nil
	}
	// What each failure of the first group wanted where the input went
	// wrong; the others say what is wrong there.
	wanted := [...]string{
		failValue: "a JSON value", failKey: "a string key", failColon: "':' after an object key",
		failNextObject: "',' or '}'", failNextArray: "',' or ']'", failDigit: "a digit",
		failFraction: "a digit after the decimal point", failExponent: "a digit in the exponent",
	}
	var msg string
	switch {
	case int(s.why) < len(wanted):
		msg = s.unexpected(wanted[s.why])
	case s.why == failLiteral:
		msg = "invalid literal, want " + s.word
	case s.why == failUnterminated:
		msg = "unterminated string"
	case s.why == failControl:
		msg = fmt.Sprintf("control character %s in string (must be escaped)", quoteByte(s.Data[s.Pos]))
	case s.why == failEscapeEnd:
		msg = "unterminated escape sequence"
	case s.why == failEscape:
		msg = `invalid escape sequence \` + string(rune(s.Data[s.Pos]))
	case s.why == failU4:
		msg = `invalid \u escape (want four hex digits)`
	case s.why == failDepth:
		msg = fmt.Sprintf("nested more than %d levels deep", s.maxDepth())
	default: // failTrailing
		msg = "unexpected data after the JSON value"
	}
	return &SyntaxError{Offset: s.Pos, Msg: msg}
}

// unexpected describes the byte at the failure (or the end of the input)
// and what was wanted there.
func (s *Scanner) unexpected(want string) string {
	if s.Pos >= len(s.Data) {
		return "unexpected end of input, want " + want
	}
	return "unexpected " + quoteByte(s.Data[s.Pos]) + ", want " + want
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
