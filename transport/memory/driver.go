package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/harkmq/hark/transport"
)

// init registers the driver under memory:// and fake:// in the transport
// package's default registry. It is the package's only side effect.
func init() {
	transport.Register(NewDriver(), "memory", "fake")
}

// NewDriver returns a transport.Driver that opens memory transports. The
// transports it opens with the same virtual host share one broker, created
// by the first and closed when the last one closes; different drivers
// never share brokers. The registered driver is one such value; a test
// that wants brokers of its own can register another in its own
// transport.Registry.
//
// Open ignores the URL's hosts and rejects every query option.
func NewDriver() transport.Driver {
	return &driver{brokers: map[string]*sharedBroker{}}
}

type driver struct {
	mu      sync.Mutex
	brokers map[string]*sharedBroker // by virtual host
}

type sharedBroker struct {
	b    *Broker
	refs int
}

func (d *driver) Open(ctx context.Context, u *transport.URL, o transport.Options) (transport.Transport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := d.ValidateURL(u); err != nil {
		return nil, err
	}
	vhost := u.VirtualHost // "memory://" and "memory:///" are both ""
	d.mu.Lock()
	defer d.mu.Unlock()
	sb := d.brokers[vhost]
	if sb == nil {
		sb = &sharedBroker{b: NewBroker(WithLogger(o.Logger))}
		d.brokers[vhost] = sb
	}
	t, err := sb.b.newTransport(o, func() { d.release(vhost, sb) })
	if err != nil {
		return nil, err
	}
	sb.refs++
	return t, nil
}

// ValidateURL accepts any hosts and virtual host and no query option.
func (d *driver) ValidateURL(u *transport.URL) error {
	if err := u.CheckOptions(); err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	return nil
}

// release drops a reference to sb, closing it with the last one.
func (d *driver) release(vhost string, sb *sharedBroker) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sb.refs--
	if sb.refs > 0 {
		return
	}
	if d.brokers[vhost] == sb {
		delete(d.brokers, vhost)
	}
	_ = sb.b.Close()
}
