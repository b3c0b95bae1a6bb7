package notify

import "errors"

// Sentinel errors of the Notifier; wrapped errors name the details (the
// option, driver, event type or topic).
var (
	// ErrInvalidNotifierOption: a NotifierOption value is invalid, or the
	// options conflict (e.g. the routing driver without a routing config).
	ErrInvalidNotifierOption = errors.New("hark: invalid notifier option")
	// ErrUnknownDriver: a notification driver name is not one of
	// DriverNames(), in WithDriverNames or in a routing config. The error lists the
	// valid names.
	ErrUnknownDriver = errors.New("hark: unknown notification driver")
	// ErrRoutingConfig: the routing driver's YAML could not be read or is
	// malformed (bad YAML, unknown rule key, bad glob pattern).
	ErrRoutingConfig = errors.New("hark: invalid routing config")
	// ErrInvalidPayload: a notification payload could not be encoded as
	// JSON, or a json.RawMessage/[]byte payload is not valid JSON. Nothing
	// was sent; retrying cannot help.
	ErrInvalidPayload = errors.New("hark: invalid notification payload")
	// ErrInvalidPriority: Notify was called with a priority that is not one
	// of the seven. Nothing was sent.
	ErrInvalidPriority = errors.New("hark: invalid notification priority")
)
