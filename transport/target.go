package transport

import "github.com/harkmq/hark/target"

// Target is target.Target under a second name.
//
// Deprecated: use target.Target, the one name of the type.
type Target = target.Target
