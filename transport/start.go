package transport

import (
	"fmt"
	"strings"
	"time"
)

// StartPolicy says where a new group starts reading; see StartPosition.
type StartPolicy uint8

const (
	// StartDefault is the transport's default: the non-pooled group gets
	// what was sent before it first listened (oslo's notifier declares its
	// queue; a stream keeps it), a pool starts with new notifications.
	StartDefault StartPolicy = iota
	// StartNew: the group starts with notifications sent after it first
	// listens.
	StartNew
	// StartAll: the group starts with everything the broker retains.
	// Needs Capabilities.StartPosition.
	StartAll
	// StartTime: the group starts with what was stored at or after
	// StartPosition.Time. Needs Capabilities.StartPosition.
	StartTime
)

// StartPosition is where a group that does not exist yet on the broker
// starts reading when its first listener starts. It never moves an
// existing group: a pool that already has a position keeps it.
// The zero value is StartDefault.
type StartPosition struct {
	Policy StartPolicy
	// Time is the start of a StartTime position.
	Time time.Time
}

// StartNewPosition and StartAllPosition are the positions of the
// policies without a parameter.
var (
	StartNewPosition = StartPosition{Policy: StartNew}
	StartAllPosition = StartPosition{Policy: StartAll}
)

// StartAt returns the position "from t".
func StartAt(t time.Time) StartPosition { return StartPosition{Policy: StartTime, Time: t} }

// ParseStartPosition reads a start position as configs spell it: "" (the
// default), "new", "all", or an RFC 3339 time such as
// "2026-12-01T00:00:00Z". Anything else is an error wrapping
// ErrInvalidConfig that lists the valid forms.
func ParseStartPosition(s string) (StartPosition, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return StartPosition{}, nil
	case "new":
		return StartNewPosition, nil
	case "all":
		return StartAllPosition, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return StartPosition{}, fmt.Errorf("%w: start position %q: want \"new\", \"all\" or an RFC 3339 time such as 2026-12-01T00:00:00Z", ErrInvalidConfig, s)
	}
	return StartAt(t), nil
}

// String spells p as ParseStartPosition reads it ("" for the default).
func (p StartPosition) String() string {
	switch p.Policy {
	case StartNew:
		return "new"
	case StartAll:
		return "all"
	case StartTime:
		return p.Time.UTC().Format(time.RFC3339Nano)
	}
	return ""
}

// NeedsRetention reports whether p reads what the broker retained, which
// only transports with Capabilities.StartPosition can do.
func (p StartPosition) NeedsRetention() bool {
	return p.Policy == StartAll || p.Policy == StartTime
}

// Validate checks p; the error wraps ErrInvalidConfig.
func (p StartPosition) Validate() error {
	switch p.Policy {
	case StartDefault, StartNew, StartAll:
		return nil
	case StartTime:
		if p.Time.IsZero() {
			return fmt.Errorf("%w: a start position from a time needs the time", ErrInvalidConfig)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown start policy %d", ErrInvalidConfig, p.Policy)
}
