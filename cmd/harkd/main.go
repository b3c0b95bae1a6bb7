// Command harkd is hark's notification listener daemon: it listens for
// oslo.messaging-style notifications on RabbitMQ, NATS, or an embedded
// NATS server, and hands them to the endpoints its config names (log,
// file, webhook, forward, exec).
//
// Usage:
//
//	harkd [--config FILE] [--transport-url URL] [--check] [--print-config]
//	      [--log-level LEVEL] [--log-format json|console] [--http-listen ADDR]
//	harkd --version
//
// With no config at all it starts an embedded NATS server with JetStream on
// 127.0.0.1:4222 (data in ./hark-data), listens on exchange openstack,
// topic notifications, logs every notification, and serves /metrics,
// /healthz and /readyz on 127.0.0.1:9090. While the broker is unreachable
// or refuses the credentials it keeps retrying (/readyz says why), unless
// startup_timeout (--startup-timeout) bounds the wait: then it exits 1
// with the cause.
//
// Signals: SIGINT and SIGTERM stop intake, let in-flight notifications
// finish within listener.shutdown_timeout and exit 0 (a second signal
// forces the exit); SIGHUP reloads the listener, endpoints and filters
// from the config file without losing a notification (a config that does
// not load is rejected and the running one kept).
package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is harkd's GOGC when the environment sets none. harkd's live
// heap is small and bounded (the prefetch bounds what it holds), so the
// collector's default of 100 runs it very often on a busy listener; 200
// halves that for a few MiB (BENCHMARKS.md: the drain, peak RSS).
const gcPercent = 200

func main() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Environ()))
}
