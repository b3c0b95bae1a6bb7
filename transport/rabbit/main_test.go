package rabbit

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: every
// forwarder, watcher and reconnect loop must end with Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
