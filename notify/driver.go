package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/harkmq/hark/notify/internal/notifydriver"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// NotifyDriver delivers notifications for a Notifier: oslo's notification
// driver (the oslo.messaging.notify.drivers entry points). The built-in
// drivers are chosen by name with WithDriverNames; WithDriver adds a custom one.
type NotifyDriver interface {
	// Notify delivers m, whose priority is p. m is built once per Notifier
	// call and shared by every driver: a driver must not modify it (copy
	// the struct to change a field) nor keep its maps or slices after
	// returning. retry is the caller's retry setting with WithRetry's
	// semantics (-1: until ctx is done, 0: no retry, n: n retries); a
	// driver that can fail transiently honours it. Notify must honour ctx
	// and be safe for concurrent use. Its error is returned to the
	// Notifier's caller (joined with other drivers' errors) and logged.
	Notify(ctx context.Context, m *oslo.OsloMessage, p transport.Priority, retry int) error
}

// Names of the built-in drivers, as WithDriverNames and a routing config spell them.
const (
	// DriverMessaging sends oslo's v1 body (the message object itself) to
	// every topic through the transport.
	DriverMessaging = "messaging"
	// DriverMessagingV2 sends the oslo.version 2.0 envelope to every topic
	// through the transport. The default driver.
	DriverMessagingV2 = "messagingv2"
	// DriverLog logs every notification as JSON with secrets masked
	// (oslo's mask_dict_password), under the WithNotifierLogger logger
	// named "oslo.messaging.notification.<event_type>", at the level of
	// its priority (critical: Error with critical=true).
	DriverLog = "log"
	// DriverRouting hands each notification to the drivers its routing
	// config selects (see WithRoutingConfig).
	DriverRouting = "routing"
	// DriverNoop drops every notification.
	DriverNoop = "noop"
	// DriverTest records every notification in a TestDriver.
	DriverTest = "test"
)

// DriverNames returns the names WithDriverNames accepts, sorted. The slice is new on
// every call.
func DriverNames() []string {
	return []string{DriverLog, DriverMessaging, DriverMessagingV2, DriverNoop, DriverRouting, DriverTest}
}

func unknownDriverError(name, where string) error {
	if where != "" {
		where = " in " + where
	}
	return fmt.Errorf("%w %q%s: valid drivers are %s", ErrUnknownDriver, name, where, strings.Join(DriverNames(), ", "))
}

// namedDriver is a loaded driver and the name its errors and logs carry.
type namedDriver struct {
	name string
	d    NotifyDriver
}

// driverLabel names a custom driver: its String method, or its type.
func driverLabel(d NotifyDriver) string {
	if s, ok := d.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", d)
}

// driverBuilder makes the built-in drivers of one Notifier. Each name is
// built once, so the routing driver and WithDriverNames share instances (a "test"
// driver named in both records into the one TestDriver the Notifier
// exposes, much as oslo's module-level list does).
type driverBuilder struct {
	tr    transport.Transport
	o     *notifierOptions
	built map[string]NotifyDriver
	test  *TestDriver
}

func newDriverBuilder(tr transport.Transport, o *notifierOptions) *driverBuilder {
	return &driverBuilder{tr: tr, o: o, built: map[string]NotifyDriver{}}
}

func (b *driverBuilder) build(name string) (NotifyDriver, error) {
	if d, ok := b.built[name]; ok {
		return d, nil
	}
	var (
		d   NotifyDriver
		err error
	)
	switch name {
	case DriverMessaging:
		d, err = b.messaging(name, 1)
	case DriverMessagingV2:
		d, err = b.messaging(name, 2)
	case DriverLog:
		d = notifydriver.NewLog(b.o.logger, ErrInvalidPayload)
	case DriverRouting:
		d, err = newRoutingDriver(b)
	case DriverNoop:
		d = notifydriver.Noop{}
	case DriverTest:
		b.test = NewTestDriver()
		d = b.test
	default:
		return nil, unknownDriverError(name, "")
	}
	if err != nil {
		return nil, fmt.Errorf("driver %s: %w", name, err)
	}
	b.built[name] = d
	return d, nil
}

// messaging builds a messaging driver of oslo's message version.
func (b *driverBuilder) messaging(name string, version int) (NotifyDriver, error) {
	if b.tr == nil {
		return nil, fmt.Errorf("%w: the %s driver needs a transport", ErrInvalidNotifierOption, name)
	}
	return notifydriver.NewMessaging(name, version, b.tr, notifydriver.MessagingConfig{
		Topics:      b.o.topics,
		Exchange:    b.o.exchange,
		Compression: b.o.compression,
		Policy:      b.o.policy,
		Logger:      b.o.logger,
	})
}
