package target

import "errors"

// ErrInvalidTarget is wrapped by every validation error of this package, so
// callers can branch with errors.Is.
var ErrInvalidTarget = errors.New("hark: invalid target")
