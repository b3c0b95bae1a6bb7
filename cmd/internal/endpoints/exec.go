package endpoints

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/record"
	"github.com/harkmq/hark/cmd/internal/redact"
	"github.com/harkmq/hark/dispatcher"
)

// ExitTempFail is the exit status that makes an exec endpoint requeue
// (sysexits.h EX_TEMPFAIL).
const ExitTempFail = 75

// stderrTail is how much of a failed command's stderr goes into the
// dead-letter reason.
const stderrTail = 512

// stderrMargin is how much more stderr is kept than stderrTail, so that a
// secret ending in the tail is whole, and redacted, before the tail is
// cut from it.
const stderrMargin = 4 << 10

// execEndpoint runs a command per notification with its JSON
// (record.Notification; a JSON array for a batch) on stdin. Exit 0 =
// HANDLED, 75 = REQUEUE, anything else dead-letters with the tail of
// stderr in the reason. A command that cannot start or runs past its
// timeout requeues: both are usually fixed by an operator, after which
// the redelivery succeeds.
type execEndpoint struct {
	name     string
	o        config.ExecOptions
	env      []string
	redactor *redact.Redactor
}

func newExec(name string, o config.ExecOptions, r *redact.Redactor) *execEndpoint {
	env := os.Environ()
	for k, v := range o.Env {
		env = append(env, k+"="+v)
	}
	// Clipped, so the per-run appends in run never share a backing array.
	return &execEndpoint{name: name, o: o, env: slices.Clip(env), redactor: r}
}

func (x *execEndpoint) Handle(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	body, err := record.Marshal(n)
	if err != nil {
		return dispatcher.Reject(fmt.Errorf("exec: %w", err))
	}
	return x.run(ctx, body, n)
}

func (x *execEndpoint) HandleBatch(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	if len(ns) == 0 {
		return dispatcher.Handled
	}
	recs := record.FromNotifications(ns)
	body, err := json.Marshal(recs)
	if err != nil {
		return dispatcher.Reject(fmt.Errorf("exec: %w", err))
	}
	return x.run(ctx, body, ns[0])
}

func (x *execEndpoint) run(ctx context.Context, stdin []byte, n *dispatcher.Notification) dispatcher.Result {
	rctx, cancel := context.WithTimeout(ctx, x.o.Timeout.D())
	defer cancel()
	cmd := exec.CommandContext(rctx, x.o.Command[0], x.o.Command[1:]...)
	cmd.Dir = x.o.Dir
	cmd.Env = append(x.env,
		"HARK_ENDPOINT="+x.name,
		"HARK_MESSAGE_ID="+n.Metadata.MessageID,
		"HARK_PRIORITY="+string(n.Priority),
		"HARK_EVENT_TYPE="+n.EventType,
		"HARK_DELIVERIES="+strconv.Itoa(n.Metadata.Deliveries),
	)
	cmd.Stdin = bytes.NewReader(stdin)
	stderr := tailBuffer{redactor: x.redactor}
	cmd.Stderr = &stderr
	// Its own process group, so a timeout kills what a shell script
	// started too, not only the shell.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second

	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return dispatcher.Handled
	case rctx.Err() != nil && ctx.Err() == nil:
		return dispatcher.RequeueWith(fmt.Errorf("exec %s: killed after the %s timeout%s", x.o.Command[0], x.o.Timeout, stderr.suffix()))
	case ctx.Err() != nil:
		return dispatcher.RequeueWith(fmt.Errorf("exec %s: %w", x.o.Command[0], ctx.Err()))
	case errors.As(err, &ee):
		code := ee.ExitCode()
		if code == ExitTempFail {
			return dispatcher.RequeueWith(fmt.Errorf("exec %s: exit status %d (EX_TEMPFAIL)%s", x.o.Command[0], code, stderr.suffix()))
		}
		return dispatcher.Reject(fmt.Errorf("exec %s: %v%s", x.o.Command[0], ee, stderr.suffix()))
	default:
		return dispatcher.RequeueWith(fmt.Errorf("exec %s: %w", x.o.Command[0], err))
	}
}

func (x *execEndpoint) Close() error { return nil }

// tailBuffer keeps the last stderrTail+stderrMargin bytes written to it.
type tailBuffer struct {
	b        []byte
	redactor *redact.Redactor
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if keep := stderrTail + stderrMargin; len(t.b) > keep {
		t.b = append(t.b[:0], t.b[len(t.b)-keep:]...)
	}
	return len(p), nil
}

// suffix returns ": stderr: <the last stderrTail bytes, redacted>" or "".
func (t *tailBuffer) suffix() string {
	s := strings.TrimSpace(t.redactor.String(string(t.b)))
	if len(s) > stderrTail {
		s = strings.ToValidUTF8(s[len(s)-stderrTail:], "")
	}
	if s == "" {
		return ""
	}
	return ": stderr: " + s
}
