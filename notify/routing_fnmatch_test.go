package notify

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expectations are Python's fnmatch.fnmatchcase results.
func TestCompileGlob(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true},
		{"*", "compute.instance.create.end", true},
		{"compute.*", "compute.instance.create.end", true}, // '*' crosses dots
		{"compute.*", "compute", false},
		{"compute.*", "computeX", false},
		{"*.end", "compute.instance.create.end", true},
		{"*.end", "compute.instance.create.end.x", false}, // anchored at the end
		{"instance", "compute.instance", false},           // anchored at the start
		{"?nfo", "info", true},
		{"?nfo", "iinfo", false},
		{"[iw]*", "info", true},
		{"[iw]*", "warn", true},
		{"[iw]*", "error", false},
		{"[!iw]*", "error", true},
		{"[!iw]*", "info", false},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"[]]", "]", true},
		{"[!]]", "a", true},
		{"[!]]", "]", false},
		{"[", "[", true},         // no closing bracket: literal
		{"a[b", "a[b", true},     // idem
		{"[!]", "[!]", true},     // "[!]" has no closing bracket either
		{"a.b", "aXb", false},    // '.' is literal
		{"a+b", "a+b", true},     // regexp metacharacters are literal
		{"(x)|y", "(x)|y", true}, // idem
		{"[\\]", "\\", true},     // a backslash in a set is literal
		{"[^a]", "^", true},      // '^' first in a set is literal
		{"[^a]", "b", false},
		{"a*", "a\nb", true},    // '*' matches newlines (DOTALL)
		{"INFO", "info", false}, // case-sensitive
	}
	for _, c := range cases {
		re, err := compileGlob(c.pat)
		require.NoError(t, err, c.pat)
		assert.Equal(t, c.want, re.MatchString(c.s), "fnmatch(%q, %q)", c.s, c.pat)
	}
}

func TestCompileGlobReversedRange(t *testing.T) {
	_, err := compileGlob("[z-a]")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"[z-a]"`)
}
