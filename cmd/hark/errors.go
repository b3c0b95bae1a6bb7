package main

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes. They are part of the CLI's contract: scripts and the
// end-to-end tests branch on them.
const (
	// exitOK: the verb did what was asked.
	exitOK = 0
	// exitError: a runtime failure (broker unreachable, send failed, ...).
	exitError = 1
	// exitUsage: the command line is wrong (unknown verb or flag, bad
	// value).
	exitUsage = 2
	// exitInterrupted: SIGINT, SIGTERM or SIGHUP ended a verb before it finished
	// (128 + SIGINT, the shell's convention).
	exitInterrupted = 130
)

// usageError marks an error as the user's command line being wrong, so it
// exits with exitUsage and points at --help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError; %w in format wraps as fmt.Errorf does.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errInterrupted reports that a signal ended a verb before it finished.
var errInterrupted = errors.New("interrupted")

// interrupted returns an error wrapping errInterrupted (and what was going
// on) when ctx was cancelled, else err itself. A verb calls it on an error
// that may just be the signal's cancellation showing through.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, errInterrupted) {
		return fmt.Errorf("%w: %w", errInterrupted, err)
	}
	return err
}

// exitCode maps the error a verb returned to the process exit code.
// preRun says the error came before any verb started running (cobra's own
// parsing: unknown verb, bad flag), which is always a usage error.
func exitCode(err error, preRun bool) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case preRun, errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	default:
		return exitError
	}
}
