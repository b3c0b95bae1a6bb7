package transport

import "strings"

// Priority is a notification priority (oslo calls it a level): one of the
// seven constants below. On the wire oslo sends it in upper case; hark
// compares lower case, as oslo's listener does.
type Priority string

// The notification priorities, in oslo.messaging's order.
const (
	Audit    Priority = "audit"
	Debug    Priority = "debug"
	Info     Priority = "info"
	Warn     Priority = "warn"
	Error    Priority = "error"
	Critical Priority = "critical"
	Sample   Priority = "sample"
)

// Priorities returns the seven priorities in oslo.messaging's order
// (audit, debug, info, warn, error, critical, sample). The slice is new on
// every call.
func Priorities() []Priority {
	return []Priority{Audit, Debug, Info, Warn, Error, Critical, Sample}
}

// ParsePriority lower-cases s as oslo's dispatcher does (Python's
// str.lower, so "İNFO" becomes "i̇nfo", not a priority) and reports whether
// it names one of the seven priorities. "warning" is not a priority (oslo's
// listener has no such method; its notifier sends WARN).
func ParsePriority(s string) (Priority, bool) {
	p := Priority(pyLower(s))
	switch p {
	case Audit, Debug, Info, Warn, Error, Critical, Sample:
		return p, true
	}
	return p, false
}

// Valid reports whether p is one of the seven priorities (lower case).
func (p Priority) Valid() bool {
	_, ok := ParsePriority(string(p))
	return ok && string(p) == pyLower(string(p))
}

// Upper returns the priority as oslo's notifier puts it on the wire: "INFO".
func (p Priority) Upper() string { return strings.ToUpper(string(p)) }

// String returns the lower-case priority.
func (p Priority) String() string { return string(p) }
