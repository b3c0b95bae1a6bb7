// Package dispatcher routes notifications to endpoints by priority, with
// oslo.messaging's rules: endpoints run in list order; the first REQUEUE,
// rejection or panic stops the rest; filters use Python re.match semantics.
//
// The package is pure: no I/O, no goroutines. The notify package wires it
// to a transport and an executor.
package dispatcher
