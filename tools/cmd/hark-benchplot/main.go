// Command hark-benchplot charts saved "hark bench ... --json" reports as a
// PNG, SVG or PDF. It lives in the tools module, apart from the library,
// so that its chart libraries are not in the go.mod every user of the
// library downloads. Build it from the repository's root with
//
//	go build -C tools -o /tmp/hark-benchplot ./cmd/hark-benchplot
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
}
