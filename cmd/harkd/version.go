package main

import "github.com/harkmq/hark/cmd/internal/buildinfo"

// version is what harkd was built from, one line: the module version
// ("(devel)" for a build from a work tree), the VCS revision and whether
// the tree was modified, and the Go version. harkd --version prints it and
// the startup log line carries it.
func version() string {
	return buildinfo.Read().String()
}
