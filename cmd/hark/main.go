// Command hark is the command-line client of hark: it sends notifications
// (notify), prints them as they arrive (tail), and inspects and replays
// dead letters (dlq list, dlq replay). Run "hark --help" for the verbs and
// "hark <verb> --help" for their flags and examples.
//
// Exit codes: 0 success; 1 runtime error (e.g. the broker is unreachable,
// a send failed); 2 usage error (unknown verb or flag, bad flag value);
// 130 interrupted (Ctrl-C) before notify, dlq list or dlq replay finished.
// An interrupted tail, or notify --count 0, exits 0: Ctrl-C is how they
// normally end.
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
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	// A closed stdout ("hark tail | head") makes writes fail with EPIPE
	// instead of killing the process, so a tail still removes its private
	// pool on the way out.
	signal.Ignore(syscall.SIGPIPE)
	go func() {
		<-sig
		cancel()
		// A second signal kills the process the default way, in case a
		// broker that stopped answering holds up the clean exit.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	code := run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv)
	cancel()
	os.Exit(code)
}
