package notify

import (
	"fmt"
	"os"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

// Defaults of the Notifier options.
const (
	// DefaultNotifierDriver is the driver used when no WithDriverNames or WithDriver
	// option is given. oslo's default is no driver at all, which silently
	// drops every notification; hark sends instead.
	DefaultNotifierDriver = DriverMessagingV2
	// DefaultNotifierTopic is oslo's [oslo_messaging_notifications] topics
	// default.
	DefaultNotifierTopic = "notifications"
	// DefaultRetry is oslo's [oslo_messaging_notifications] retry default:
	// retry forever (bounded by the call's context).
	DefaultRetry = -1
	// DefaultRetryStart is the wait before the first retry: oslo's
	// rabbit_retry_interval.
	DefaultRetryStart = transport.DefaultRetryStart
	// DefaultRetryStep is how much longer each following wait is: oslo's
	// rabbit_retry_backoff.
	DefaultRetryStep = transport.DefaultRetryStep
	// DefaultRetryMax caps the wait between attempts: oslo's
	// rabbit_interval_max.
	DefaultRetryMax = transport.DefaultRetryMax
	// DefaultAttemptTimeout bounds one attempt of a send; see
	// WithAttemptTimeout.
	DefaultAttemptTimeout = transport.DefaultAttemptTimeout
)

// NotifierOption configures NewNotifier. Options apply in order; a later
// option of the same kind replaces an earlier one, except WithDriverNames and
// WithDriver, which add drivers.
type NotifierOption func(*notifierOptions) error

type notifierOptions struct {
	publisherID   string
	driverNames   []string
	customDrivers []NotifyDriver
	topics        []string
	exchange      string
	retry         int
	policy        transport.RetryPolicy // its Attempts come from retry
	compression   string
	routingData   []byte
	routingSource string // the file name, or "<RoutingConfigData>", for errors
	logger        *zap.Logger
}

func defaultNotifierOptions() notifierOptions {
	return notifierOptions{
		topics: []string{DefaultNotifierTopic},
		retry:  DefaultRetry,
		policy: transport.RetryPolicy{AttemptTimeout: DefaultAttemptTimeout, Backoff: transport.DefaultBackoff()},
		logger: zap.NewNop(),
	}
}

func buildNotifierOptions(opts []NotifierOption) (notifierOptions, error) {
	o := defaultNotifierOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return notifierOptions{}, err
		}
	}
	if len(o.driverNames) == 0 && len(o.customDrivers) == 0 {
		o.driverNames = []string{DefaultNotifierDriver}
	}
	return o, nil
}

// WithPublisherID sets the publisher_id of every notification, e.g.
// "compute.host1". Prepare can override it. Defaults to "" (oslo: None).
func WithPublisherID(id string) NotifierOption {
	return func(o *notifierOptions) error {
		o.publisherID = id
		return nil
	}
}

// WithDriverNames adds notification drivers by name: "messaging" (oslo's v1 body),
// "messagingv2" (the oslo.version 2.0 envelope), "log", "routing", "noop",
// "test" (see DriverNames). Names are added to those of earlier WithDriverNames
// options; a repeated name loads its driver once, as oslo's stevedore
// manager does. An unknown name is an error wrapping ErrUnknownDriver that
// lists the valid names.
//
// If neither WithDriverNames nor WithDriver is given, the notifier uses
// "messagingv2". This deviates from oslo, whose default is no driver, so
// that notifications are silently dropped; use WithDriverNames("noop") to disable a
// notifier on purpose.
func WithDriverNames(names ...string) NotifierOption {
	return func(o *notifierOptions) error {
		if len(names) == 0 {
			return fmt.Errorf("%w: WithDriverNames needs at least one name (use %q to disable notifications)", ErrInvalidNotifierOption, DriverNoop)
		}
		for _, n := range names {
			if !slices.Contains(DriverNames(), n) {
				return unknownDriverError(n, "")
			}
			if !slices.Contains(o.driverNames, n) {
				o.driverNames = append(o.driverNames, n)
			}
		}
		return nil
	}
}

// WithDriver adds a custom driver, called after the named drivers in the
// order the options are given. Its errors are reported like those of the
// built-in drivers, named by the driver's type (or its String method, if it
// has one). A custom driver counts as a named driver: with only WithDriver
// options, no default driver is added.
func WithDriver(d NotifyDriver) NotifierOption {
	return func(o *notifierOptions) error {
		if d == nil {
			return fmt.Errorf("%w: WithDriver: nil driver", ErrInvalidNotifierOption)
		}
		o.customDrivers = append(o.customDrivers, d)
		return nil
	}
}

// WithTopics sets the topics the messaging drivers send every notification to,
// each as its own message routed by "<topic>.<priority>". Defaults to
// ["notifications"]. At least one topic is required (oslo accepts none, and
// then sends nothing; use WithDriverNames("noop") for that). Every topic must be a
// valid target topic (errors wrap target.ErrInvalidTarget).
func WithTopics(topics ...string) NotifierOption {
	return func(o *notifierOptions) error {
		if len(topics) == 0 {
			return fmt.Errorf("%w: WithTopics needs at least one topic", ErrInvalidNotifierOption)
		}
		for _, t := range topics {
			if err := target.CheckName("topic", t, true); err != nil {
				return fmt.Errorf("notifier topics: %w", err)
			}
		}
		o.topics = slices.Clone(topics)
		return nil
	}
}

// WithExchange sets the exchange the messaging drivers send to. Defaults to
// the transport's default exchange (oslo's control_exchange, "openstack";
// oslo's notifier cannot choose another).
func WithExchange(name string) NotifierOption {
	return func(o *notifierOptions) error {
		if err := target.CheckName("exchange", name, false); err != nil {
			return fmt.Errorf("notifier exchange: %w", err)
		}
		o.exchange = name
		return nil
	}
}

// WithRetry sets how often a failed send is retried, with oslo's semantics: a
// negative n (oslo: -1 or None) retries until the call's context is done, 0
// never retries, n > 0 retries n times (n+1 attempts). Transient failures
// are retried (timeouts of one attempt, lost connections, "no responders",
// leader changes: transport.Retryable); not invalid targets or
// configuration or a closed transport. Prepare can override it.
// Defaults to -1: with a context that never ends, a notifier call against a
// broker that stays down blocks until it comes back, as in oslo.
func WithRetry(n int) NotifierOption {
	return func(o *notifierOptions) error {
		if n < 0 {
			n = -1
		}
		o.retry = n
		return nil
	}
}

// WithRetryBackoff sets the wait between send attempts: start before the first
// retry, growing by step after each, never more than max (kombu's
// interval_start, interval_step and interval_max). Defaults to 1s, 2s and
// 30s (oslo's rabbit_retry_interval, rabbit_retry_backoff,
// rabbit_interval_max). Durations must not be negative.
func WithRetryBackoff(start, step, max time.Duration) NotifierOption {
	return func(o *notifierOptions) error {
		if start < 0 || step < 0 || max < 0 {
			return fmt.Errorf("%w: WithRetryBackoff(%v, %v, %v): durations must not be negative", ErrInvalidNotifierOption, start, step, max)
		}
		o.policy.Backoff = transport.Backoff{Start: start, Step: step, Max: max}
		return nil
	}
}

// WithAttemptTimeout bounds one attempt of a send: an attempt whose broker
// does not answer within d (a lost connection, a frozen server, a leader
// that died with the request) is retried, with the same message, as the
// WithRetry count allows and within the call's context; the call's context
// bounds the whole. Defaults to DefaultAttemptTimeout (10s).
func WithAttemptTimeout(d time.Duration) NotifierOption {
	return func(o *notifierOptions) error {
		if d <= 0 {
			return fmt.Errorf("%w: WithAttemptTimeout(%v): must be positive", ErrInvalidNotifierOption, d)
		}
		o.policy.AttemptTimeout = d
		return nil
	}
}

// WithCompression compresses message bodies as kombu does (oslo's
// kombu_compression): "gzip" or "zlib" (zlib data, header
// application/x-gzip), "bz2", "xz", or any other name
// oslo.EncodeOptions.Compression accepts; the codec is asked, so the
// two never disagree. Defaults to "" (none).
func WithCompression(name string) NotifierOption {
	return func(o *notifierOptions) error {
		if _, err := oslo.EncodeNotification(&oslo.OsloMessage{}, oslo.EncodeOptions{Compression: name}); err != nil {
			return fmt.Errorf("%w: compression %q: %w", ErrInvalidNotifierOption, name, err)
		}
		o.compression = name
		return nil
	}
}

// WithRoutingConfig reads the routing driver's YAML from the file at path (oslo's
// [oslo_messaging_notifications] routing_config). The file is read and
// checked by NewNotifier; an unreadable file is an error naming it. It is
// needed by, and only used with, WithDriverNames("routing").
func WithRoutingConfig(path string) NotifierOption {
	return func(o *notifierOptions) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrRoutingConfig, err)
		}
		o.routingData = data
		o.routingSource = path
		return nil
	}
}

// WithRoutingConfigData gives the routing driver's YAML directly (see
// WithRoutingConfig). The slice is copied.
func WithRoutingConfigData(yaml []byte) NotifierOption {
	return func(o *notifierOptions) error {
		o.routingData = slices.Clone(yaml)
		if o.routingData == nil {
			o.routingData = []byte{}
		}
		o.routingSource = "<RoutingConfigData>"
		return nil
	}
}

// WithNotifierLogger sets the logger the notifier logs send failures and
// retries to; the log driver writes through it too (named
// "oslo.messaging.notification.<event_type>" under it). Defaults to a no-op
// logger, which also makes the log driver silent.
func WithNotifierLogger(l *zap.Logger) NotifierOption {
	return func(o *notifierOptions) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidNotifierOption)
		}
		o.logger = l
		return nil
	}
}

// PrepareOption configures a sub-notifier made by Prepare.
type PrepareOption func(*Notifier)

// WithPreparePublisherID overrides the publisher_id of the sub-notifier.
func WithPreparePublisherID(id string) PrepareOption {
	return func(n *Notifier) { n.publisherID = id }
}

// WithPrepareRetry overrides the retry count of the sub-notifier, with the
// semantics of WithRetry.
func WithPrepareRetry(retry int) PrepareOption {
	return func(n *Notifier) { n.retry = max(retry, -1) }
}

// SendOption changes one Notify call.
type SendOption func(*sendOptions)

type sendOptions struct {
	contextKeys []string
}

// WithContextKeys sets the order the request context's keys are written in:
// the keys listed, in this order, then any others sorted. oslo writes a
// context in its dict's insertion order, which a Go map cannot carry, so
// a caller that has the order (e.g. from the JSON it parsed) passes it
// here to send the bytes oslo would send. Default: sorted.
func WithContextKeys(keys ...string) SendOption {
	return func(o *sendOptions) { o.contextKeys = keys }
}
