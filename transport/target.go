package transport

import "github.com/harkmq/hark/target"

// Target is target.Target, repeated here so driver code reads naturally.
type Target = target.Target
