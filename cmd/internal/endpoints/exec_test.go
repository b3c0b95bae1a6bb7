package endpoints

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/dispatcher"
)

func shExec(script string, timeout time.Duration) *execEndpoint {
	return newExec("x", config.ExecOptions{Command: []string{"/bin/sh", "-c", script}, Timeout: config.Duration(timeout),
		Env: map[string]string{"EXTRA": "yes"}}, nil)
}

func TestExecStdinAndHandled(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	x := shExec(`cat > "$OUT"; echo "$EXTRA $HARK_MESSAGE_ID $HARK_PRIORITY $HARK_DELIVERIES" >> "$OUT.env"`, 10*time.Second)
	x.env = append(x.env, "OUT="+out)
	requireAction(t, dispatcher.Handled, x.Handle(testCtx(t), testNotification(t, "m1", "compute.x", map[string]any{"k": "v"})))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(b, &rec))
	assert.Equal(t, "compute.x", rec["event_type"])
	assert.Equal(t, map[string]any{"k": "v"}, rec["payload"])
	env, err := os.ReadFile(out + ".env")
	require.NoError(t, err)
	assert.Equal(t, "yes m1 info 1\n", string(env))
}

func TestExecExitCodes(t *testing.T) {
	ctx := testCtx(t)
	n := testNotification(t, "m1", "e", 1)
	r := shExec(`echo try later >&2; exit 75`, 10*time.Second).Handle(ctx, n)
	requireAction(t, dispatcher.Requeue, r)
	assert.Contains(t, r.Err().Error(), "try later")

	r = shExec(`cat >/dev/null; echo first line >&2; echo "bad input: missing field" >&2; exit 3`, 10*time.Second).Handle(ctx, n)
	requireAction(t, dispatcher.Reject(nil), r)
	assert.Contains(t, r.Err().Error(), "exit status 3")
	assert.Contains(t, r.Err().Error(), "bad input: missing field")

	r = newExec("x", config.ExecOptions{Command: []string{"/nonexistent/cmd"}, Timeout: config.Duration(time.Second)}, nil).Handle(ctx, n)
	requireAction(t, dispatcher.Requeue, r)
}

func TestExecTimeoutKillsProcessGroup(t *testing.T) {
	start := time.Now()
	r := shExec(`sleep 30 & sleep 30`, 200*time.Millisecond).Handle(testCtx(t), testNotification(t, "m1", "e", 1))
	requireAction(t, dispatcher.Requeue, r)
	assert.Contains(t, r.Err().Error(), "timeout")
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestExecStderrTail(t *testing.T) {
	var tb tailBuffer
	for range 100 {
		_, _ = tb.Write([]byte("0123456789"))
	}
	_, _ = tb.Write([]byte("END"))
	assert.Len(t, tb.suffix(), len(": stderr: ")+stderrTail)
	assert.Contains(t, tb.suffix(), "END")
	for range 1000 {
		_, _ = tb.Write([]byte("0123456789"))
	}
	assert.Len(t, tb.b, stderrTail+stderrMargin, "memory stays bounded")
}

// TestExecStderrRedacted: a command that prints its API key on stderr
// does not put it in the dead-letter reason, even when the key straddles
// the start of the tail that is kept.
func TestExecStderrRedacted(t *testing.T) {
	const key = "SECRETE-0123456789"
	cfg := &config.Config{Endpoints: []config.Endpoint{{Name: "x", Type: "exec", Exec: &config.ExecOptions{
		Command: []string{"/bin/sh", "-c", `cat >/dev/null; echo "key is $API_KEY" >&2; exit 3`},
		Timeout: config.Duration(10 * time.Second), Env: map[string]string{"API_KEY": key}}}}}
	s, err := Build(cfg.Endpoints, false, Deps{Redactor: cfg.Redactor()})
	require.NoError(t, err)
	defer s.Close()
	r := s.Endpoints()[0].(singleEndpoint).Info(testCtx(t), testNotification(t, "m1", "e", 1))
	requireAction(t, dispatcher.Reject(nil), r)
	assert.Contains(t, r.Err().Error(), "key is REDACTED")
	assert.NotContains(t, r.Err().Error(), "SECRETE")

	// The key cut in two by the tail's start is redacted whole first.
	tb := tailBuffer{redactor: cfg.Redactor()}
	_, _ = tb.Write([]byte(key))
	_, _ = tb.Write([]byte(strings.Repeat("x", stderrTail-5)))
	assert.NotContains(t, tb.suffix(), key[len(key)-5:])
}
