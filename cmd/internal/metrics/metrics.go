// Package metrics keeps harkd's Prometheus metrics in a private registry.
//
// The names are part of the harkd contract (DESIGN.md):
// hark_notifications_received_total{priority},
// hark_notifications_acked_total{priority},
// hark_notifications_requeued_total{priority},
// hark_notifications_dead_lettered_total{reason},
// hark_endpoint_calls_total{endpoint,result},
// hark_endpoint_duration_seconds{endpoint}, hark_inflight and
// hark_transport_up; plus the Go runtime and process collectors and a few
// additions (dropped, duplicate and abandoned deliveries, reloads, and
// the backlog below).
//
// A priority label is one of the seven priorities or "unknown" (the
// priority comes from the message body, which any publisher writes); a
// reason label is one of transport's Reason constants or "other".
// Endpoint, pool, exchange and topic labels come from the configuration.
//
// hark_backlog_messages{pool,exchange,topic} is a gauge of the messages
// waiting on the broker for the running listener's group, as its
// transport counts them (transport.Backlog): on NATS JetStream the
// consumer's pending plus ack-pending messages; on RabbitMQ the ready
// messages of the listener's queues (not those delivered and
// unacknowledged, at most the prefetch per consumer); on memory:// ready,
// unsettled and delayed ones. topic is "*" when one queue or consumer
// serves several topics (a RabbitMQ pool). harkd refreshes it every
// metrics.backlog_interval (5s by default; 0 turns it off) by asking the
// broker, never per message; a refresh that fails leaves the last values,
// and the series of a config replaced by a reload are removed. A
// transport that cannot count reports no series.
package metrics

import (
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

// Metrics holds the collectors. Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	received     *prometheus.CounterVec
	acked        *prometheus.CounterVec
	requeued     *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	dropped      *prometheus.CounterVec
	duplicates   *prometheus.CounterVec
	abandoned    *prometheus.CounterVec
	calls        *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	inflight     prometheus.Gauge
	transportUp  prometheus.GaugeFunc
	reloads      *prometheus.CounterVec
	backlog      *prometheus.GaugeVec

	// upFunc reports the transport's state at scrape time.
	upFunc atomic.Pointer[func() bool]

	// The series every notification touches, resolved once: a label
	// lookup hashes the label values on every call.
	byPriority      map[transport.Priority]priorityCounters
	unknownPriority priorityCounters
	byEndpoint      sync.Map // endpoint name -> *endpointSeries

	// backlogMu guards backlogOwner, the Backlog that set each
	// hark_backlog_messages series last (backlog.go).
	backlogMu    sync.Mutex
	backlogOwner map[backlogLabels]*Backlog

	// label rewrites the label values that come from the config
	// (endpoint, pool, exchange, topic).
	label func(string) string
}

// Option configures Metrics.
type Option func(*Metrics)

// WithLabelRedactor makes every label value that comes from the config
// (endpoint, pool, exchange, topic) go through redact first, so a secret
// cannot become a series name. Default: values as they are.
func WithLabelRedactor(redact func(string) string) Option {
	return func(m *Metrics) { m.label = redact }
}

// New returns metrics registered in a new registry of their own (never
// the global default one, so tests and embedders can make as many as they
// like).
func New(opts ...Option) *Metrics {
	m := &Metrics{
		label: func(s string) string { return s },
		reg:   prometheus.NewRegistry(),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_notifications_received_total",
			Help: "Deliveries taken from the transport, by priority.",
		}, []string{"priority"}),
		acked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_notifications_acked_total",
			Help: "Notifications handled and acknowledged, by priority.",
		}, []string{"priority"}),
		requeued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_notifications_requeued_total",
			Help: "Notifications given back for redelivery, by priority.",
		}, []string{"priority"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_notifications_dead_lettered_total",
			Help: "Notifications written to the dead-letter destination, by reason.",
		}, []string{"reason"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_notifications_dropped_total",
			Help: "Notifications acknowledged without being handled (requeue not allowed), by priority.",
		}, []string{"priority"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_notifications_duplicate_total",
			Help: "Deliveries acknowledged as duplicates of a recent message id, by priority.",
		}, []string{"priority"}),
		abandoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_notifications_abandoned_total",
			Help: "Deliveries left unsettled (forced shutdown, failed settle); the broker redelivers them.",
		}, []string{"priority"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_endpoint_calls_total",
			Help: "Endpoint calls, by endpoint and result (handled, requeue, reject, panic).",
		}, []string{"endpoint", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hark_endpoint_duration_seconds",
			Help:    "How long endpoint calls take, by endpoint.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hark_inflight",
			Help: "Deliveries received and not yet settled.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hark_config_reloads_total",
			Help: "Configuration reloads (SIGHUP), by result (success, failure).",
		}, []string{"result"}),
		backlog:      newBacklogGauge(),
		backlogOwner: map[backlogLabels]*Backlog{},
	}
	m.transportUp = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hark_transport_up",
		Help: "1 while the transport is connected to its broker, else 0.",
	}, func() float64 {
		if f := m.upFunc.Load(); f != nil && (*f)() {
			return 1
		}
		return 0
	})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.received, m.acked, m.requeued, m.deadLettered, m.dropped, m.duplicates, m.abandoned,
		m.calls, m.duration, m.inflight, m.transportUp, m.reloads, m.backlog,
	)
	// Series that exist from the start, at 0, so rate() and alerts work
	// before the first notification.
	m.byPriority = make(map[transport.Priority]priorityCounters, len(transport.Priorities()))
	for _, p := range transport.Priorities() {
		m.requeued.WithLabelValues(string(p))
		m.byPriority[p] = priorityCounters{
			received: m.received.WithLabelValues(string(p)),
			acked:    m.acked.WithLabelValues(string(p)),
		}
	}
	m.unknownPriority = priorityCounters{
		received: m.received.WithLabelValues(UnknownPriority),
		acked:    m.acked.WithLabelValues(UnknownPriority),
	}
	for _, r := range []string{"success", "failure"} {
		m.reloads.WithLabelValues(r)
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Registry returns the registry, e.g. to register more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveEvent records a listener event; pass it to notify.WithObserver.
// An event's priority comes from the notification's body, which anyone
// who can publish writes: any value but the seven priorities is counted
// as "unknown", so that bogus bodies cannot create series without bound.
// Reasons are bounded the same way (see reasonLabel).
func (m *Metrics) ObserveEvent(e notify.Event) {
	hot, known := m.byPriority[e.Priority]
	p := string(e.Priority)
	if !known {
		hot, p = m.unknownPriority, UnknownPriority
	}
	switch e.Kind {
	case notify.EventReceived:
		hot.received.Inc()
		m.inflight.Inc()
		return
	case notify.EventAcked:
		hot.acked.Inc()
	case notify.EventRequeued:
		m.requeued.WithLabelValues(p).Inc()
	case notify.EventDeadLettered:
		m.deadLettered.WithLabelValues(reasonLabel(e.Reason)).Inc()
	case notify.EventDropped:
		m.dropped.WithLabelValues(p).Inc()
	case notify.EventDuplicate:
		m.duplicates.WithLabelValues(p).Inc()
	case notify.EventAbandoned:
		m.abandoned.WithLabelValues(p).Inc()
	default:
		return
	}
	// Every delivery ends in exactly one of the events above.
	m.inflight.Dec()
}

// UnknownPriority is the priority label of a notification whose priority
// is none of the seven.
const UnknownPriority = "unknown"

// OtherReason is the reason label of a dead letter whose reason is none of
// the transport's Reason constants.
const OtherReason = "other"

// reasonLabel bounds a dead-letter reason to the transport's Reason
// constants and OtherReason: DeadLetterInfo.Reason may be "a caller's own
// word".
func reasonLabel(r string) string {
	switch r {
	case transport.ReasonMaxDeliveries, transport.ReasonDecode, transport.ReasonRejected, transport.ReasonRequeueRefused:
		return r
	}
	return OtherReason
}

// ObserveCall records an endpoint call; pass it to dispatcher.WithObserver.
func (m *Metrics) ObserveCall(c dispatcher.Call) {
	es := m.endpoint(c.Endpoint)
	es.duration.Observe(c.Duration.Seconds())
	if c.Panicked {
		m.calls.WithLabelValues(es.label, "panic").Inc()
		return
	}
	if c.Result.Action() == dispatcher.ActionHandled {
		es.handled.Inc()
		return
	}
	m.calls.WithLabelValues(es.label, c.Result.Action().String()).Inc()
}

// priorityCounters are a priority's received and acked series.
type priorityCounters struct{ received, acked prometheus.Counter }

// endpointSeries are an endpoint's label value and its handled-calls
// and duration series.
type endpointSeries struct {
	label    string
	handled  prometheus.Counter
	duration prometheus.Observer
}

// endpoint returns the resolved series of an endpoint, making them on
// its first call.
func (m *Metrics) endpoint(name string) *endpointSeries {
	if es, ok := m.byEndpoint.Load(name); ok {
		return es.(*endpointSeries)
	}
	label := m.label(name)
	es, _ := m.byEndpoint.LoadOrStore(name, &endpointSeries{
		label:    label,
		handled:  m.calls.WithLabelValues(label, dispatcher.ActionHandled.String()),
		duration: m.duration.WithLabelValues(label),
	})
	return es.(*endpointSeries)
}

// SetTransportCheck makes hark_transport_up call up at every scrape, so
// the gauge is never stale. up must be cheap and must not block.
func (m *Metrics) SetTransportCheck(up func() bool) { m.upFunc.Store(&up) }

// Reloaded counts a configuration reload.
func (m *Metrics) Reloaded(ok bool) {
	if ok {
		m.reloads.WithLabelValues("success").Inc()
	} else {
		m.reloads.WithLabelValues("failure").Inc()
	}
}
