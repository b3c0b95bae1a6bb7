package notify

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// Recorded is one notification a TestDriver received: what oslo's test
// driver appends to its NOTIFICATIONS list, (ctxt, message, priority,
// retry).
type Recorded struct {
	// Context is the request context sent with the notification (oslo's
	// ctxt); nil if none was given.
	Context Context
	// Message is the notification as the drivers got it: message_id,
	// publisher_id, event_type, priority (upper case), payload, timestamp.
	// UniqueID is empty (the messaging drivers set it per send).
	Message oslo.OsloMessage
	// Priority is the notification's priority (lower case).
	Priority transport.Priority
	// Retry is the retry setting the call used (-1: retry forever).
	Retry int
}

// TestDriver is oslo's "test" driver without its module-level list: it
// records every notification it gets, for assertions. Use one with
// WithDriver(NewTestDriver()), or name "test" in WithDriverNames and reach it with
// (*Notifier).TestDriver. Safe for concurrent use.
type TestDriver struct {
	mu   sync.Mutex
	recs []Recorded
}

// NewTestDriver returns an empty TestDriver.
func NewTestDriver() *TestDriver { return &TestDriver{} }

// Notify records the notification. It copies the message, its payload and
// its context map (shallowly), so later changes by the caller do not show.
func (d *TestDriver) Notify(_ context.Context, m *oslo.OsloMessage, p transport.Priority, retry int) error {
	rec := Recorded{Message: *m, Priority: p, Retry: retry}
	rec.Message.Payload = slices.Clone(m.Payload)
	rec.Message.Context = maps.Clone(m.Context)
	rec.Context = rec.Message.Context
	d.mu.Lock()
	d.recs = append(d.recs, rec)
	d.mu.Unlock()
	return nil
}

// Notifications returns what was recorded since the last Reset, oldest
// first. The slice is a copy.
func (d *TestDriver) Notifications() []Recorded {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.recs)
}

// Reset forgets everything recorded (oslo's reset()).
func (d *TestDriver) Reset() {
	d.mu.Lock()
	d.recs = nil
	d.mu.Unlock()
}

// String names the driver in errors and logs when used with WithDriver.
func (d *TestDriver) String() string { return DriverTest }
