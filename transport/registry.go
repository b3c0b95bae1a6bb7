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
	// ValidateURL checks u as Open would, without connecting or changing
	// anything: its options, their values and how they combine. Open
	// must fail on a URL that ValidateURL rejects (one piece of code
	// should serve both). An unknown option is an error wrapping
	// ErrInvalidURL that names the valid ones (URL.CheckOptions).
	ValidateURL(u *URL) error
	// Open connects to what u names. It rejects what ValidateURL rejects.
	Open(ctx context.Context, u *URL, o Options) (Transport, error)
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
	u, d, err := r.lookup(rawURL)
	if err != nil {
		return nil, err
	}
	t, err := d.Open(ctx, u, o)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", u.Redacted(), err)
	}
	return t, nil
}

// ValidateURL checks rawURL without connecting: that it parses, that a
// driver is registered for its scheme (an error wrapping
// ErrUnknownScheme, as Open's), and that the driver accepts its options
// (Driver.ValidateURL). The error never shows a password.
func (r *Registry) ValidateURL(rawURL string) error {
	u, d, err := r.lookup(rawURL)
	if err != nil {
		return err
	}
	if err := d.ValidateURL(u); err != nil {
		return fmt.Errorf("%s: %w", u.Redacted(), err)
	}
	return nil
}

// lookup parses rawURL and finds its driver by the scheme up to any '+'.
func (r *Registry) lookup(rawURL string) (*URL, Driver, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, nil, err
	}
	r.mu.RLock()
	d, ok := r.drivers[u.Driver]
	r.mu.RUnlock()
	if !ok {
		registered := strings.Join(r.Schemes(), ", ")
		if registered == "" {
			registered = "none"
		}
		return nil, nil, fmt.Errorf("%w %q in %s (registered: %s; import the driver package, e.g. _ \"github.com/harkmq/hark/transport/memory\")",
			ErrUnknownScheme, u.Driver, u.Redacted(), registered)
	}
	return u, d, nil
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

// ValidateURL checks rawURL against the default registry; see
// Registry.ValidateURL.
func ValidateURL(rawURL string) error { return defaultRegistry.ValidateURL(rawURL) }
