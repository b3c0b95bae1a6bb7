package executor

// Option configures an executor made by a Factory.
type Option func(*options)

type options struct{}
