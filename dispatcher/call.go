package dispatcher

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/transport"
)

// Call describes one endpoint call, for the observer set with WithObserver.
type Call struct {
	// Endpoint is the endpoint's name (see New).
	Endpoint string
	// Priority is the priority dispatched.
	Priority transport.Priority
	// Result is what the endpoint returned, or the Requeue the dispatcher
	// substituted for a panic.
	Result Result
	// Duration is how long the endpoint method ran.
	Duration time.Duration
	// Panicked is true when the endpoint panicked.
	Panicked bool
	// Notifications is how many notifications the endpoint was given: 1 for
	// a Dispatcher, the filtered group's length for a BatchDispatcher.
	Notifications int
}

// invoke runs fn, the endpoint method ep bound for priority p, turning a
// panic into a logged RequeueWith(*PanicError), and reports the call to the
// observer.
func invoke(o *options, ep *endpoint, p transport.Priority, count int, fn func() Result) (r Result) {
	panicked := false
	var start time.Time
	if o.observer != nil {
		start = time.Now()
	}
	defer func() {
		if v := recover(); v != nil {
			pe := &PanicError{Endpoint: ep.name, Priority: p, Value: v, Stack: debug.Stack()}
			o.log.Error("endpoint panicked; treating it as requeue",
				zap.String("endpoint", ep.name),
				zap.String("priority", string(p)),
				zap.String("panic", fmt.Sprint(v)),
				zap.ByteString("stack", pe.Stack))
			r, panicked = RequeueWith(pe), true
		}
		if o.observer != nil {
			o.observer(Call{
				Endpoint:      ep.name,
				Priority:      p,
				Result:        r,
				Duration:      time.Since(start),
				Panicked:      panicked,
				Notifications: count,
			})
		}
	}()
	return fn()
}

// unknownPriority logs the warning oslo logs for a notification whose
// priority is not one of the seven (quoted as Go does, so that a priority
// with control characters cannot forge log lines).
func unknownPriority(o *options, n *Notification) {
	o.log.Warn("Unknown priority "+strconv.Quote(string(n.Priority)),
		zap.String("priority", string(n.Priority)),
		zap.String("message_id", n.Metadata.MessageID),
		zap.String("event_type", n.EventType),
		zap.String("publisher_id", n.PublisherID))
}
