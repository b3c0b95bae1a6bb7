// Package dispatcher routes notifications to endpoints by priority, with
// oslo.messaging's rules: endpoints run in list order; the first REQUEUE,
// rejection or panic stops the rest; filters use Python re.match semantics.
//
// An endpoint is any value with methods named after the priorities it
// handles (Info, Error, ... taking a *Notification; see InfoEndpoint), and
// optionally a Filter (Filterer) and a Name (Namer). A Dispatcher (New)
// calls them one notification at a time; a BatchDispatcher (NewBatch)
// calls the batch forms (the same method names taking []*Notification)
// with a batch grouped by priority.
//
// An endpoint's panic is recovered and requeues, as an exception does in
// oslo. Beyond oslo, a Result can carry the error behind a requeue
// (RequeueWith) or dead-letter at once (Reject), and WithObserver reports
// every endpoint call for metrics.
//
// Filters (NewFilter) compile Python regular expressions so that they
// behave as oslo's NotificationFilter does (re.match: anchored at the start
// of the value and not at its end), translated to Go's RE2 with Python's
// Unicode rules for \d, \w, \s and (?i). A pattern Python rejects is
// rejected; so is one RE2 cannot match exactly as Python does (lookaround,
// backreferences, Unicode \b, a $ with more pattern after it; NewFilter
// lists them) when the filter is built.
//
// Deviations from oslo.messaging:
//   - A payload filter does not match a payload that is not a JSON object;
//     oslo raises, which requeues the notification forever.
//   - A batch group with an unknown priority logs one warning per
//     notification (oslo logs one per group).
//   - Absent publisher_id, event_type, message_id or timestamp are the empty
//     string, which a pattern such as "" or ".*" matches; oslo's None never
//     matches. A non-string event_type is a decode error in hark
//     (transport.ErrDecode), so no endpoint sees it.
//   - Filter patterns that Python accepts but RE2 cannot match exactly are
//     refused when the filter is built (see NewFilter).
//
// The package is pure: no I/O, no goroutines. The notify package wires it
// to a transport and an executor.
package dispatcher
