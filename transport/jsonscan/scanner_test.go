package jsonscan_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/transport/jsonscan"
)

func valid(data string, maxDepth int) bool {
	s := jsonscan.Scanner{Data: []byte(data), MaxDepth: maxDepth}
	s.SkipSpace()
	if !s.Value(1) {
		return false
	}
	s.SkipSpace()
	return s.Pos == len(s.Data)
}

func TestScanner_agrees_with_encoding_json(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `{"a": [1, 2.5e-3, -0, true, false, null, "x\u00e9\n"]}`, ` "s" `,
		`{"a":}`, `[1,]`, `01`, `1.`, `"\x"`, "\"\x01\"", `{"a" 1}`, `tru`, `"\ud83d\ude00"`,
		`{"a":1}x`, `-`, `1e`, `[[[]]]`,
	} {
		assert.Equal(t, json.Valid([]byte(in)), valid(in, 0), "%q", in)
	}
}

func TestScanner_MaxDepth(t *testing.T) {
	deep := strings.Repeat("[", 5) + strings.Repeat("]", 5)
	assert.True(t, valid(deep, 5))
	assert.False(t, valid(deep, 4))
}

func FuzzScannerMatchesValid(f *testing.F) {
	for _, s := range []string{`{"a": [1, "b", null]}`, `[`, `"\u12"`, `1e+9`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := valid(in, 0), json.Valid([]byte(in)); got != want {
			t.Fatalf("Scanner says %v, encoding/json %v for %q", got, want, in)
		}
	})
}

// NonFinite accepts Python's NaN, Infinity and -Infinity where a number
// may stand, and nothing else new; without it they are refused.
func TestScanner_NonFinite(t *testing.T) {
	check := func(data string, nonFinite bool) bool {
		s := jsonscan.Scanner{Data: []byte(data), NonFinite: nonFinite}
		s.SkipSpace()
		if !s.Value(1) {
			return false
		}
		s.SkipSpace()
		return s.Pos == len(data)
	}
	for _, in := range []string{`NaN`, `Infinity`, `-Infinity`, `[NaN, -Infinity]`, `{"a": Infinity}`} {
		assert.True(t, check(in, true), in)
		assert.False(t, check(in, false), in)
	}
	for _, in := range []string{`nan`, `-NaN`, `+Infinity`, `Inf`, `-Inf`, `NaNN`, `{NaN: 1}`, `Infinityy`} {
		assert.False(t, check(in, true), in)
	}
}
