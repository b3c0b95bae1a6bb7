package kafka_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: closed
// listeners and transports stop theirs, and so do the kfake brokers.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
