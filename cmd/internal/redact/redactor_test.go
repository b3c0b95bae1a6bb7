package redact_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/cmd/internal/redact"
)

func TestRedactorForms(t *testing.T) {
	r := redact.New("s3cret/päss word", "Bearer tok-123456", "tok-123456", "short")
	for _, in := range []string{
		"plain s3cret/päss word here",
		"query " + url.QueryEscape("s3cret/päss word"),
		"path " + url.PathEscape("s3cret/päss word"),
		fmt.Sprintf("quoted %q", "s3cret/päss word"),
		"header Authorization: Bearer tok-123456",
		"echoed token tok-123456 alone",
	} {
		out := r.String(in)
		assert.NotContains(t, out, "s3cret", in)
		assert.NotContains(t, out, "tok-123456", in)
		assert.Contains(t, out, redact.Marker, in)
	}
	assert.Equal(t, "Authorization: "+redact.Marker, r.String("Authorization: Bearer tok-123456"), "the longest match wins")
	assert.Equal(t, "a short value stays", r.String("a short value stays"), "values under MinLength are not redacted from text")
}

func TestRedactorNilAndEmpty(t *testing.T) {
	var r *redact.Redactor
	assert.Equal(t, "x", r.String("x"))
	assert.Equal(t, "x", redact.New().String("x"))
	assert.NoError(t, r.Error(nil))
}

func TestRedactorAddKeepsOld(t *testing.T) {
	r := redact.New("first-secret")
	r.Add("second-secret")
	assert.Equal(t, redact.Marker+" "+redact.Marker, r.String("first-secret second-secret"))
}

func TestRedactorError(t *testing.T) {
	r := redact.New("hunter22")
	err := fmt.Errorf("open hunter22: %w", fs.ErrNotExist)
	red := r.Error(err)
	assert.Equal(t, "open "+redact.Marker+": file does not exist", red.Error())
	assert.ErrorIs(t, red, fs.ErrNotExist, "the chain is kept")
	plain := errors.New("nothing secret")
	assert.Same(t, plain, r.Error(plain).(interface{ Error() string }))
}
