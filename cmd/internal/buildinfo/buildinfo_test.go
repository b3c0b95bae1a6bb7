package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Main:      debug.Module{Path: "github.com/harkmq/hark", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	i := FromBuildInfo(bi)
	assert.Equal(t, Info{Version: "v1.2.0", Revision: "0123456789abcdef0123", Time: "2026-12-01T10:00:00Z", Modified: true, GoVersion: "go1.26.0"}, i)
	assert.Equal(t, "v1.2.0 (rev 0123456789ab, modified, 2026-12-01T10:00:00Z, go1.26.0)", i.String())

	i = FromBuildInfo(&debug.BuildInfo{GoVersion: "go1.26.0"})
	assert.Equal(t, "(devel) (go1.26.0)", i.String())
	assert.Equal(t, "unknown", Info{Version: "unknown"}.String())
}

func TestRead(t *testing.T) {
	assert.Equal(t, runtime.Version(), Read().GoVersion)
}
