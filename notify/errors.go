package notify

import "errors"

// Sentinel errors of the listener; wrapped errors name the details.
var (
	// ErrInvalidOption: an option value is invalid or options conflict.
	ErrInvalidOption = errors.New("hark: invalid listener option")
	// ErrNoEndpoints: a listener was built without endpoints.
	ErrNoEndpoints = errors.New("hark: listener has no endpoints")
	// ErrUnsupported: the options ask for something the transport cannot
	// do (e.g. requeue on NATS core mode). It wraps
	// transport.ErrNotSupported too.
	ErrUnsupported = errors.New("hark: listener options unsupported by the transport")
)
