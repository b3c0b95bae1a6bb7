package main

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/cmd/internal/buildinfo"
)

func TestExitCodes_usage(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no verb", nil, "no verb given"},
		{"unknown verb", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"notify", "--bogus"}, "unknown flag: --bogus"},
		{"bad flag value", []string{"notify", "--count", "x"}, `invalid argument "x"`},
		{"stray argument", []string{"tail", "extra"}, `unknown command "extra"`},
		{"bad log level", []string{"notify", "--log-level", "loud"}, "--log-level"},
		{"bad url", []string{"notify", "--url", "bogus://x"}, `unknown transport scheme "bogus"`},
		{"bad url option", []string{"notify", "--url", "memory:///x?foo=1"}, "--url"},
		{"dlq without verb", []string{"dlq"}, "dlq needs a verb"},
		{"bench without scenario", []string{"bench"}, "bench needs a scenario"},
		{"bench bad count", []string{"bench", "drain", "--url", "memory://", "--count", "-1"}, "count -1"},
		{"bench zero count", []string{"bench", "fanout", "--url", "memory://", "--count", "0"}, "--count 0: must be at least 1"},
		{"notify negative count", []string{"notify", "--url", "memory://", "--count", "-1"}, "--count -1: must not be negative"},
		{"tail negative count", []string{"tail", "--url", "memory://", "--count", "-1"}, "--count -1: must not be negative"},
		{"bench bad executor", []string{"bench", "drain", "--url", "memory://", "--executor", "eventlet"}, "eventlet"},
		{"bench oslo off RabbitMQ", []string{"bench", "drain", "--url", "memory://", "--oslo"}, "RabbitMQ only"},
		{"bench plot moved", []string{"bench", "plot", "-o", "bench.png"}, "build hark-benchplot"},
		{"pool and non-pooled", []string{"tail", "--pool", "p", "--non-pooled"}, "none of the others can be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := hark(t, ctx, "", tc.args...)
			assert.Equal(t, exitUsage, r.code, "stderr: %s", r.err)
			assert.Contains(t, r.err, tc.want)
			assert.Contains(t, r.err, "--help' for usage.")
		})
	}
}

func TestHelp_every_verb_has_examples(t *testing.T) {
	for _, verb := range [][]string{{}, {"version"}, {"notify"}, {"tail"}, {"dlq"}, {"dlq", "list"}, {"dlq", "replay"}, {"bench"}, {"bench", "plot"}} {
		r := hark(t, t.Context(), "", append(verb, "--help")...)
		assert.Equal(t, exitOK, r.code, "%v: %s", verb, r.err)
		assert.Contains(t, r.out, "Examples:", "%v", verb)
		assert.Contains(t, r.out, "--url", "%v: the global flags are listed", verb)
	}
}

func TestURL_default_from_environment(t *testing.T) {
	env := func(k string) string {
		if k == urlEnv {
			return "nats://127.0.0.1:1"
		}
		return ""
	}
	var out, errOut syncBuffer
	code := run(t.Context(), []string{"notify"}, streams{out: &out, err: &errOut}, env)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut.String(), "cannot connect to nats://127.0.0.1:1")
}

func TestExitCode(t *testing.T) {
	assert.Equal(t, exitOK, exitCode(nil, false))
	assert.Equal(t, exitUsage, exitCode(assert.AnError, true))
	assert.Equal(t, exitUsage, exitCode(usagef("x: %w", assert.AnError), false))
	assert.Equal(t, exitError, exitCode(assert.AnError, false))
	assert.Equal(t, exitInterrupted, exitCode(interrupted(canceled(), assert.AnError), false))
	assert.Equal(t, assert.AnError, interrupted(t.Context(), assert.AnError))
}

func canceled() context.Context {
	// Canceled at once: which context it derives from does not matter.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestURL_precedence: --url, then $HARK_TRANSPORT_URL, then $NATS_URL (the
// nats CLI's), then the default (TestURL_default_from_environment); an environment URL is never shown by
// --help, and a bad one is named by its variable.
func TestURL_precedence(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"NATS_URL", map[string]string{"NATS_URL": "nats://127.0.0.1:2"}, nil, "cannot connect to nats://127.0.0.1:2"},
		{"HARK_TRANSPORT_URL over NATS_URL", map[string]string{"NATS_URL": "nats://127.0.0.1:2", urlEnv: "nats://127.0.0.1:3"}, nil, "cannot connect to nats://127.0.0.1:3"},
		{"--url over both", map[string]string{"NATS_URL": "nats://127.0.0.1:2", urlEnv: "nats://127.0.0.1:3"}, []string{"--url", "nats://127.0.0.1:4"}, "cannot connect to nats://127.0.0.1:4"},
		{"bad NATS_URL named", map[string]string{"NATS_URL": "bogus://x"}, nil, `$NATS_URL: hark: unknown transport scheme "bogus"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut syncBuffer
			args := append([]string{"notify", "--connect-timeout", "2s"}, tc.args...)
			code := run(t.Context(), args, streams{out: &out, err: &errOut}, func(k string) string { return tc.env[k] })
			assert.NotEqual(t, exitOK, code)
			assert.Contains(t, errOut.String(), tc.want)
		})
	}
	var out, errOut syncBuffer
	code := run(t.Context(), []string{"notify", "--help"}, streams{out: &out, err: &errOut},
		func(k string) string { return map[string]string{urlEnv: "rabbit://u:hunter2@h/"}[k] })
	assert.Equal(t, exitOK, code)
	assert.NotContains(t, out.String(), "hunter2")
	assert.Contains(t, out.String(), "$NATS_URL")
}

// TestUnknownVerb_suggests: a mistyped verb at any level is a usage error
// naming the verb it is close to.
func TestUnknownVerb_suggests(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"notfiy"}, `unknown command "notfiy" for "hark"; did you mean notify?`},
		{[]string{"verison"}, "did you mean version?"},
		{[]string{"dlq", "lsit"}, `unknown command "lsit" for "hark dlq"; did you mean list?`},
		{[]string{"bench", "dran"}, "did you mean drain?"},
	} {
		r := hark(t, t.Context(), "", tc.args...)
		assert.Equal(t, exitUsage, r.code, "%v", tc.args)
		assert.Contains(t, r.err, tc.want, "%v", tc.args)
	}
	r := hark(t, t.Context(), "", "zzzzzz")
	assert.NotContains(t, r.err, "did you mean", "nothing close")
}

// TestVersion: "hark version" and "hark --version" print the same line,
// with the Go version from the build information.
func TestVersion(t *testing.T) {
	v := hark(t, t.Context(), "", "version")
	assert.Equal(t, exitOK, v.code, v.err)
	assert.Equal(t, "hark "+buildinfo.Read().String()+"\n", v.out)
	assert.Contains(t, v.out, runtime.Version())
	f := hark(t, t.Context(), "", "--version")
	assert.Equal(t, exitOK, f.code, f.err)
	assert.Equal(t, v.out, f.out)
}
