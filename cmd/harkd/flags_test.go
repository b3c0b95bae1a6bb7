package main

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestUnknownFlag_suggests: a mistyped flag, or a flag written as an
// argument, is a usage error naming the flag it is close to.
func TestUnknownFlag_suggests(t *testing.T) {
	for args, want := range map[string]string{
		"--chek":        "unknown flag: --chek; did you mean --check?",
		"--print-confg": "did you mean --print-config?",
		"check":         `unexpected argument "check"; did you mean --check?`,
		"version":       "did you mean --version?",
	} {
		var out, errOut bytes.Buffer
		code := run([]string{args}, &out, &errOut, nil)
		assert.Equal(t, exitUsage, code, args)
		assert.Contains(t, errOut.String(), want, args)
	}
	var out, errOut bytes.Buffer
	assert.Equal(t, exitUsage, run([]string{"--zzzzzz"}, &out, &errOut, nil))
	assert.NotContains(t, errOut.String(), "did you mean")
}

// TestVersionFlag: harkd --version prints the build's version line and
// exits 0 without loading a config or starting anything.
func TestVersionFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"--version", "--config", "/nonexistent.yaml"}, &out, &errOut, nil)
	assert.Equal(t, exitOK, code, errOut.String())
	assert.Equal(t, "harkd "+version()+"\n", out.String())
	assert.Contains(t, out.String(), runtime.Version())
}
