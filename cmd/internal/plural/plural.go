// Package plural words counts in hark's and harkd's output, so that one
// of something is never "1 dead letters".
package plural

import (
	"strconv"
	"strings"
)

// Integer is a count.
type Integer interface {
	~int | ~int32 | ~int64 | ~uint | ~uint32 | ~uint64
}

// Count returns n and noun, the noun in the plural unless n is 1:
// Count(1, "dead letter") is "1 dead letter", Count(3, "process") is
// "3 processes".
func Count[N Integer](n N, noun string) string {
	return strconv.FormatInt(int64(n), 10) + " " + Noun(n, noun)
}

// Noun returns noun in the plural unless n is 1, for counts written
// apart from the noun ("sent 3 of 10 notifications"): a noun ending in
// s, x, z, ch or sh takes "es", any other "s".
func Noun[N Integer](n N, noun string) string {
	if n == 1 {
		return noun
	}
	for _, end := range []string{"s", "x", "z", "ch", "sh"} {
		if strings.HasSuffix(noun, end) {
			return noun + "es"
		}
	}
	return noun + "s"
}
