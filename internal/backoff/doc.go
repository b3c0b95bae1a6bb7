// Package backoff holds hark's one retry schedule and its one
// context-aware sleep, shared by the transport, its drivers, notify and
// the commands.
//
// A [Schedule] says how long to wait before retry n (1 for the first);
// [Linear] (kombu's interval_start/step/max), [Exponential] (doubling,
// with optional jitter) and [List] (explicit waits, the last repeating)
// are its shapes. [Sleep] waits one such delay, cut short by a context or
// a stop channel; [Await] is the same timer seen from the other side, a
// bounded wait for a channel to close.
package backoff
