package transport

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyLower agrees with CPython's str.lower on every code point alone and
// on random strings built around Σ (final-sigma contexts), İ and the
// priorities' letters. Code points CPython's Unicode database does not
// assign (it may be older than Go's) are left out.
func TestPyLower_matchesPython(t *testing.T) {
	py := pythonOrSkip(t)
	var inputs []string
	for r := rune(0); r <= 0x1FFFF; r++ {
		if r >= 0xd800 && r < 0xe000 {
			continue
		}
		inputs = append(inputs, string(r))
	}
	alphabet := []rune("ΣσςİIiıINFOWARNauditΑΒΓ'.:\u00b7\u0301\u0345\u00ad\u02b0 -_1Ǆǅǆ\u2019KkΩ\u1e9e")
	rng := rand.New(rand.NewPCG(12, 34))
	for range 20000 {
		n := 1 + rng.IntN(8)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	inputs = append(inputs, "İNFO", "INFO", "ΟΔΟΣ", "ΟΔΟΣ.", "Σ", "AΣ", "AΣB", "A'Σ'", "A\u0301Σ\u0301 B")

	in, err := json.Marshal(inputs)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", `import json, sys, unicodedata
ins = json.loads(sys.stdin.read())
out = [None if any(unicodedata.category(c) == "Cn" for c in s) else s.lower() for s in ins]
sys.stdout.write(json.dumps(out))`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []*string
	require.NoError(t, json.Unmarshal(out, &want))
	require.Len(t, want, len(inputs))
	compared, bad := 0, 0
	for i, s := range inputs {
		if want[i] == nil {
			continue
		}
		compared++
		if got := pyLower(s); got != *want[i] {
			bad++
			if bad <= 20 {
				t.Errorf("pyLower(%q) = %q, Python %q", s, got, *want[i])
			}
		}
	}
	assert.Zero(t, bad, "of %d strings compared", compared)
	assert.Greater(t, compared, 100000)
}

// "İNFO" is not a priority for oslo ("i̇nfo"); strings.ToLower would make
// it one.
func TestParsePriority_pythonLower(t *testing.T) {
	p, ok := ParsePriority("İNFO")
	assert.False(t, ok)
	assert.Equal(t, Priority("i\u0307nfo"), p)
	p, ok = ParsePriority("INFO")
	assert.True(t, ok)
	assert.Equal(t, Info, p)
	p, ok = ParsePriority("\u212aRITICAL") // Kelvin sign: Python lowers it to k, no priority either way
	assert.False(t, ok)
	assert.Equal(t, Priority("kritical"), p)
}

// pythonOrSkip returns CPython's path, or skips the test.
func pythonOrSkip(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			t.Skip("python3 not found: skipping the comparison with Python's str.lower")
		}
	}
	return py
}
