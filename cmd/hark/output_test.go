package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONLines_one_line_per_object_without_html_escaping(t *testing.T) {
	var b bytes.Buffer
	w := newJSONLines(&b)
	require.NoError(t, w.write(map[string]any{"a": "<b>&"}))
	require.NoError(t, w.write(map[string]any{"n": 1}))
	assert.Equal(t, "{\"a\":\"<b>&\"}\n{\"n\":1}\n", b.String())
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "a b c", oneLine("a\n\tb  c\n", 10))
	assert.Equal(t, "abcd…", oneLine("abcdefgh", 5))
	assert.Equal(t, "ééé…", oneLine("éééééé", 4), "cut at runes, not bytes")
	assert.Equal(t, "", oneLine("", 5))
}

func TestDeadLetterTable_no_header_without_rows(t *testing.T) {
	var b bytes.Buffer
	tb := newDeadLetterTable(&b, false)
	require.NoError(t, tb.flush())
	assert.Empty(t, b.String())

	tb.write(deadLetterRecord{Error: "not a dead-letter record", Original: originalRecord{ID: "x"}, MessageID: "x"})
	require.NoError(t, tb.flush())
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 2)
	assert.Regexp(t, `^-\s+\(not a dead-letter record\)\s+0\s+-\s+-\s+-\s+-\s+x\s+not a dead-letter record$`, lines[1])
}
