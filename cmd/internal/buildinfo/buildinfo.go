// Package buildinfo says what a hark binary was built from, for "hark
// version" and "harkd --version": the module version, the VCS revision and
// whether the work tree had changes, and the Go version.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Info is what the binary was built from. Fields the build did not record
// are empty (a "go test" binary, or a build with -buildvcs=false).
type Info struct {
	// Version is the main module's version: a tag such as "v1.2.0", a
	// pseudo-version, or "(devel)" for a build inside the repository.
	Version string
	// Revision is the VCS commit the binary was built from.
	Revision string
	// Time is the commit's time, RFC 3339.
	Time string
	// Modified reports whether the work tree had uncommitted changes.
	Modified bool
	// GoVersion is the Go toolchain that built the binary.
	GoVersion string
}

// Read returns the running binary's Info. It never fails: without build
// information the version is "unknown" and GoVersion the runtime's.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "unknown", GoVersion: runtime.Version()}
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo extracts Info from bi.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	i := Info{Version: bi.Main.Version, GoVersion: bi.GoVersion}
	if i.Version == "" {
		i.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			i.Revision = s.Value
		case "vcs.time":
			i.Time = s.Value
		case "vcs.modified":
			i.Modified = s.Value == "true"
		}
	}
	return i
}

// String is one line for people: "v1.2.0 (rev 0123456789ab, modified,
// 2026-12-01T10:00:00Z, go1.26.0)"; what is unknown is left out.
func (i Info) String() string {
	var parts []string
	if i.Revision != "" {
		parts = append(parts, "rev "+short(i.Revision))
		if i.Modified {
			parts = append(parts, "modified")
		}
	}
	if i.Time != "" {
		parts = append(parts, i.Time)
	}
	if i.GoVersion != "" {
		parts = append(parts, i.GoVersion)
	}
	if len(parts) == 0 {
		return i.Version
	}
	return fmt.Sprintf("%s (%s)", i.Version, strings.Join(parts, ", "))
}

// short is a revision's first 12 characters, as git shows it.
func short(rev string) string {
	return rev[:min(len(rev), 12)]
}
