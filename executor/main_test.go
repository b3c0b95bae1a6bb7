package executor_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: every
// executor the tests make is stopped, and a stopped executor must have no
// goroutine left.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
