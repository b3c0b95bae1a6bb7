package endpoints

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/redact"
	"github.com/harkmq/hark/cmd/internal/transports"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
)

// Handler is one configured endpoint.
type Handler interface {
	// Handle handles one notification.
	Handle(ctx context.Context, n *dispatcher.Notification) dispatcher.Result
	// HandleBatch handles the notifications of one priority of a batch;
	// the result applies to all of them.
	HandleBatch(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result
	// Close releases what the endpoint holds (files, connections). It is
	// called after the listener using the endpoint has finished.
	Close() error
}

// Deps is what endpoints take from the daemon.
type Deps struct {
	// Logger for the endpoints' own messages (the log endpoint writes its
	// lines here too). Nil means no logging.
	Logger *zap.Logger
	// Transport is the listener's transport: forward endpoints without a
	// transport_url publish on it. It is not closed by the endpoints.
	Transport transport.Transport
	// OpenTransport opens a forward endpoint's own transport_url. Default
	// transports.Open.
	OpenTransport func(ctx context.Context, url string, log *zap.Logger) (transport.Transport, error)
	// HTTPClient sends webhooks; nil = a client per endpoint that does not
	// follow redirects. Tests may pass one.
	HTTPClient *http.Client
	// Redactor removes configured secrets from the errors endpoints
	// return (the dead-letter records' last_error), before a receiver's
	// response body or a command's stderr is cut short. Nil = none.
	Redactor *redact.Redactor
}

// New builds the handler of one validated endpoint config.
func New(e config.Endpoint, d Deps) (Handler, error) {
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	if d.OpenTransport == nil {
		d.OpenTransport = func(ctx context.Context, url string, log *zap.Logger) (transport.Transport, error) {
			return transports.Open(ctx, url, log)
		}
	}
	log := d.Logger.With(zap.String("endpoint", e.Name))
	switch {
	case e.Log != nil:
		return newLog(e.Name, *e.Log, d.Logger)
	case e.File != nil:
		return newFile(*e.File)
	case e.Webhook != nil:
		return newWebhook(e.Name, *e.Webhook, d.HTTPClient, d.Redactor)
	case e.Forward != nil:
		return newForward(*e.Forward, d, log)
	case e.Exec != nil:
		return newExec(e.Name, *e.Exec, d.Redactor), nil
	}
	return nil, fmt.Errorf("endpoint %q: no options for type %q", e.Name, e.Type)
}

// Set is the built endpoints of one listener, in config order.
type Set struct {
	handlers  []Handler
	endpoints []any
	union     []transport.Priority
}

// Build builds every endpoint of a validated config, adapted for a batch
// listener when batch is true. On error, what was built is closed.
func Build(cfgs []config.Endpoint, batch bool, d Deps) (*Set, error) {
	s := &Set{}
	var all uint8
	for i, e := range cfgs {
		f, err := dispatcher.NewFilter(e.Filter)
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("endpoints[%d] (%s): %w", i, e.Name, err)
		}
		h, err := New(e, d)
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("endpoints[%d] (%s): %w", i, e.Name, err)
		}
		s.handlers = append(s.handlers, h)
		a := &adapter{name: e.Name, h: h, priorities: e.PriorityList(), redactor: d.Redactor}
		if e.Filter.PublisherID != "" || e.Filter.EventType != "" || len(e.Filter.Context) > 0 ||
			len(e.Filter.Metadata) > 0 || len(e.Filter.Payload) > 0 {
			a.filter = f
		}
		mask := priorityMask(e.PriorityList())
		all |= mask
		if batch {
			s.endpoints = append(s.endpoints, newBatchEndpoint(a))
		} else {
			s.endpoints = append(s.endpoints, newSingleEndpoint(a))
		}
	}
	for i, p := range transport.Priorities() {
		if all&(1<<i) != 0 {
			s.union = append(s.union, p)
		}
	}
	return s, nil
}

// Endpoints returns the endpoint values to give notify.NewListener or
// notify.NewBatchListener.
func (s *Set) Endpoints() []any { return s.endpoints }

// Priorities returns the priorities some endpoint takes, in oslo order:
// what the listener subscribes to.
func (s *Set) Priorities() []transport.Priority { return s.union }

// Close closes every endpoint.
func (s *Set) Close() error {
	var errs []error
	for _, h := range s.handlers {
		errs = append(errs, h.Close())
	}
	return errors.Join(errs...)
}
