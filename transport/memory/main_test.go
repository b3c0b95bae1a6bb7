package memory_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: lease
// and delayed-requeue timers must be stopped by Close, and Listen-context
// watchers released.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
