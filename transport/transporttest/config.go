package transporttest

import (
	"testing"
	"time"

	"github.com/harkmq/hark/transport"
)

// Config describes the driver under test.
type Config struct {
	// NewTransport returns a new transport on the same broker each call:
	// tests open several (one per pool member, one to close). It registers
	// the transport's Close with t.Cleanup. Required.
	NewTransport func(t *testing.T) transport.Transport

	// Capabilities are what the driver claims. Tests that need one it
	// lacks are skipped with a message naming it; a claimed capability is
	// tested, so claim only what holds.
	Capabilities transport.Capabilities

	// Lease is the short lease the lease tests use. Default 500ms; drivers
	// whose broker enforces a minimum (JetStream) may need 1s or more.
	Lease time.Duration

	// Timeout bounds every wait for an expected event. It is an upper
	// bound, not a timing assertion: a slow machine only makes a passing
	// test slower. Default 10s.
	Timeout time.Duration

	// Quiet is how long the tests wait to check that something does NOT
	// arrive (no redelivery, isolation, exclusivity). Such a check can only
	// catch an event within the window, so it is short: default 250ms.
	Quiet time.Duration

	// Skip names tests ("<group>/<test>", e.g.
	// "Routing/topics_and_exchanges_are_isolated") that no driver for
	// this broker could pass, each with the reason the skip prints (Kafka
	// topic names have no exchange, as with oslo). Keep it for what the
	// broker's model rules out, never for a bug, and document it with the
	// driver.
	Skip map[string]string

	// Prefix starts every exchange, topic and pool name the tests make, so
	// runs on a shared broker can be told apart. Names are Prefix plus a
	// random suffix. Default "hark".
	Prefix string
}

// Defaults of Config's zero fields.
const (
	DefaultLease   = 500 * time.Millisecond
	DefaultTimeout = 10 * time.Second
	DefaultQuiet   = 250 * time.Millisecond
	DefaultPrefix  = "hark"
)

func (c Config) withDefaults() Config {
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Quiet <= 0 {
		c.Quiet = DefaultQuiet
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	return c
}
