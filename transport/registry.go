package transport

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Driver opens transports for the schemes it is registered under.
type Driver interface {
	// Open connects to what u names. It must reject URL options it does not
	// know with an error naming the valid ones (URL.CheckOptions).
	Open(ctx context.Context, u *URL, o Options) (Transport, error)
}

// DriverFunc adapts a function to Driver.
type DriverFunc func(ctx context.Context, u *URL, o Options) (Transport, error)

// Open calls f.
func (f DriverFunc) Open(ctx context.Context, u *URL, o Options) (Transport, error) {
	return f(ctx, u, o)
}

// Registry maps URL schemes to drivers. The zero value is not usable; use
// NewRegistry. Safe for concurrent use.
type Registry struct {
	mu      sync.RWMutex
	drivers map[string]Driver
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{drivers: map[string]Driver{}} }

// Register adds d under scheme and each alias. Registering a scheme twice
// panics, as database/sql does: it is a programming error at init time.
func (r *Registry) Register(d Driver, scheme string, aliases ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range append([]string{scheme}, aliases...) {
		s = strings.ToLower(s)
		if s == "" || strings.ContainsAny(s, "+:/") {
			// Open looks drivers up by the scheme before any '+', so such
			// a name could never be reached.
			panic("hark: invalid transport scheme " + strconv.Quote(s))
		}
		if _, dup := r.drivers[s]; dup {
			panic("hark: transport scheme registered twice: " + s)
		}
		r.drivers[s] = d
	}
}

// Schemes lists the registered schemes, sorted.
func (r *Registry) Schemes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := make([]string, 0, len(r.drivers))
	for k := range r.drivers {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// Open parses rawURL, picks the driver by its scheme (the part before any
// '+', as oslo does: "kombu+amqp" -> "kombu"), and opens a transport. An
// unknown scheme is an error wrapping ErrUnknownScheme that names the
// registered ones.
func (r *Registry) Open(ctx context.Context, rawURL string, opts ...Option) (Transport, error) {
	o, err := NewOptions(opts...)
	if err != nil {
		return nil, err
	}
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	d, ok := r.drivers[u.Driver]
	r.mu.RUnlock()
	if !ok {
		registered := strings.Join(r.Schemes(), ", ")
		if registered == "" {
			registered = "none"
		}
		return nil, fmt.Errorf("%w %q in %s (registered: %s; import the driver package, e.g. _ \"github.com/harkmq/hark/transport/memory\")",
			ErrUnknownScheme, u.Driver, u.Redacted(), registered)
	}
	t, err := d.Open(ctx, u, o)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", u.Redacted(), err)
	}
	return t, nil
}

// defaultRegistry is where drivers register from their init functions.
var defaultRegistry = NewRegistry()

// Register adds d to the default registry under scheme and aliases. Driver
// packages call it from init.
func Register(d Driver, scheme string, aliases ...string) {
	defaultRegistry.Register(d, scheme, aliases...)
}

// Schemes lists the schemes of the default registry.
func Schemes() []string { return defaultRegistry.Schemes() }

// Open opens a transport from the default registry; see Registry.Open.
func Open(ctx context.Context, rawURL string, opts ...Option) (Transport, error) {
	return defaultRegistry.Open(ctx, rawURL, opts...)
}
