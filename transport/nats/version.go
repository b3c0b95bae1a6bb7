package nats

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MinServerVersion is the oldest nats-server JetStream mode works with:
// 2.10 brought the multi-subject consumer filters and consumer metadata a
// group's consumer is made of. Core mode works with any server.
const MinServerVersion = "2.10.0"

// ErrServerTooOld is wrapped by Open's and New's error in JetStream mode
// when the server is older than MinServerVersion.
var ErrServerTooOld = errors.New("nats-server too old")

// checkServerVersion refuses a server older than MinServerVersion, with an
// error naming both versions. A version it cannot read is let through: the
// server's own answers then tell.
func checkServerVersion(v string) error {
	have, ok := parseVersion(v)
	if !ok {
		return nil
	}
	want, _ := parseVersion(MinServerVersion)
	for i := range have {
		if have[i] != want[i] {
			if have[i] < want[i] {
				return fmt.Errorf("nats: %w: the server runs nats-server %s; hark's JetStream mode needs %s or later (multi-subject consumer filters): upgrade the server, or use ?mode=core", ErrServerTooOld, v, MinServerVersion)
			}
			return nil
		}
	}
	return nil
}

// parseVersion reads "major.minor.patch", ignoring a pre-release or build
// suffix ("2.11.0-RC.1").
func parseVersion(v string) ([3]int, bool) {
	var out [3]int
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return out, false
		}
		out[i] = n
	}
	return out, true
}
