// Package notifydriver holds the built-in notification drivers behind the
// notify facade: messaging and messagingv2 (Messaging), log (Log, with
// oslo's secret masking) and noop (Noop). notify chooses them by name and
// wraps their errors; users reach them only through notify's options.
package notifydriver
