package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/harkmq/hark/transport"
)

// backlogLabels identify one hark_backlog_messages series.
type backlogLabels struct {
	pool, exchange, topic string
}

func (k backlogLabels) values() []string { return []string{k.pool, k.exchange, k.topic} }

func newBacklogGauge() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "hark_backlog_messages",
		Help: "Messages waiting on the broker for the listener's group, as the broker counts them (see the metrics package documentation), by pool, exchange and topic (\"*\" for a queue serving several topics).",
	}, []string{"pool", "exchange", "topic"})
}

// Backlog is the share of hark_backlog_messages one listener reports:
// the series it set last. A reload gives the new listener a Backlog of
// its own, and clearing the old one removes only the series the new one
// has not set since, so series of the old config go and shared ones stay.
// Its methods are safe for concurrent use.
type Backlog struct {
	m *Metrics
}

// NewBacklog returns an owner of hark_backlog_messages series with none
// yet.
func (m *Metrics) NewBacklog() *Backlog { return &Backlog{m: m} }

// Set makes b's series exactly entries (transport.Listener Backlog
// results): each (pool, exchange, topic) gets its count, entries with
// the same labels adding up, and b's series that entries no longer name
// are removed.
func (b *Backlog) Set(entries []transport.Backlog) {
	sums := make(map[backlogLabels]int64, len(entries))
	for _, e := range entries {
		sums[backlogLabels{b.m.label(e.Pool), b.m.label(e.Exchange), b.m.label(e.Topic)}] += e.Messages
	}
	m := b.m
	m.backlogMu.Lock()
	defer m.backlogMu.Unlock()
	for k, n := range sums {
		m.backlog.WithLabelValues(k.values()...).Set(float64(n))
		m.backlogOwner[k] = b
	}
	for k, owner := range m.backlogOwner {
		if _, ok := sums[k]; !ok && owner == b {
			m.backlog.DeleteLabelValues(k.values()...)
			delete(m.backlogOwner, k)
		}
	}
}

// Clear removes b's series: those it set and no other Backlog set after
// it.
func (b *Backlog) Clear() {
	m := b.m
	m.backlogMu.Lock()
	defer m.backlogMu.Unlock()
	for k, owner := range m.backlogOwner {
		if owner == b {
			m.backlog.DeleteLabelValues(k.values()...)
			delete(m.backlogOwner, k)
		}
	}
}
