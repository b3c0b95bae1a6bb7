// Command hark is the command-line client of hark: it sends notifications
// (notify), prints them as they arrive (tail), and inspects and replays
// dead letters (dlq list, dlq replay). Run "hark --help" for the verbs and
// "hark <verb> --help" for their flags and examples.
//
// Exit codes: 0 success; 1 runtime error (e.g. the broker is unreachable,
// a send failed); 2 usage error (unknown verb or flag, bad flag value);
// 130 interrupted (Ctrl-C, SIGTERM or SIGHUP) before notify, dlq list or
// dlq replay finished. An interrupted tail, or notify --count 0, exits 0:
// an interruption is how they normally end.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	// SIGHUP is a closed terminal: a tail in it ends as for Ctrl-C,
	// removing its private pool, rather than dying with it.
	stops := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
	signal.Notify(sig, stops...)
	// A closed stdout ("hark tail | head") makes writes fail with EPIPE
	// instead of killing the process, so a tail still removes its private
	// pool on the way out.
	signal.Ignore(syscall.SIGPIPE)
	go func() {
		<-sig
		cancel()
		// A second signal kills the process the default way, in case a
		// broker that stopped answering holds up the clean exit.
		signal.Reset(stops...)
	}()
	code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv)
	cancel()
	os.Exit(code)
}
