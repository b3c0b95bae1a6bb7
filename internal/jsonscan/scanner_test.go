package jsonscan_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/jsonscan"
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

// Err says where and why a scan failed; a scan that did not fail has none.
func TestScanner_Err(t *testing.T) {
	s := jsonscan.Scanner{Data: []byte(`{"a": [1, "\q"]}`)}
	assert.False(t, s.Whole())
	assert.EqualError(t, s.Err(), `invalid JSON at offset 12: invalid escape sequence \q`)
	var se *jsonscan.SyntaxError
	assert.ErrorAs(t, s.Err(), &se)
	assert.Equal(t, 12, se.Offset)

	ok := jsonscan.Scanner{Data: []byte(` {"a": [1, "\n"]} `)}
	assert.True(t, ok.Whole())
	assert.NoError(t, ok.Err())
}

// DecodeRune pairs surrogates and hands a lone one back as it is;
// AppendUnquoted then writes U+FFFD for it, as encoding/json does.
func TestDecodeRune(t *testing.T) {
	for _, tc := range []struct {
		in   string
		r    rune
		size int
	}{
		{`a`, 'a', 1},
		{"é", 'é', 2},
		{"\xff", utf8.RuneError, 1},
		{`\n`, '\n', 2},
		{`\/`, '/', 2},
		{`\u00e9`, 'é', 6},
		{`\ud83d\ude00`, '😀', 12},
		{`\ud83dx`, 0xd83d, 6},
		{`\ude00\ud83d`, 0xde00, 6},
	} {
		r, size := jsonscan.DecodeRune([]byte(tc.in))
		assert.Equal(t, tc.r, r, tc.in)
		assert.Equal(t, tc.size, size, tc.in)
	}
	var want string
	require.NoError(t, json.Unmarshal([]byte(`"a\ud83dé\ud83d\ude00\u00e9\"\\"`), &want))
	assert.Equal(t, want, jsonscan.Unquote([]byte(`a\ud83dé\ud83d\ude00\u00e9\"\\`)))
}

// Enter, Key, Next and End walk an object: Key gives the key's contents
// and leaves the scanner at the value.
func TestScanner_walkObject(t *testing.T) {
	data := []byte(` { "a\"b" : 1 , "c":[ ] } `)
	s := jsonscan.Scanner{Data: data}
	s.SkipSpace()
	require.False(t, s.Enter())
	var keys []string
	for {
		start, end, simple, ok := s.Key()
		require.True(t, ok)
		keys = append(keys, fmt.Sprintf("%s/%v", data[start:end], simple))
		require.True(t, s.Value(2))
		done, ok := s.Next('}')
		require.True(t, ok)
		if done {
			break
		}
	}
	assert.Equal(t, []string{`a\"b/false`, `c/true`}, keys)
	assert.True(t, s.End())

	empty := jsonscan.Scanner{Data: []byte(`[ ]`)}
	assert.True(t, empty.Enter())
	assert.Equal(t, 3, empty.Pos)
}
