package rabbit

import (
	"testing"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// TestConformance runs the transport conformance suite against the
// RabbitMQ at HARK_TEST_RABBIT_URL, with classic queues, claiming what the
// transport reports (no lease).
func TestConformance(t *testing.T) {
	url := rabbitURL(t)
	r := newRecorder(t, url)
	caps := openTransport(t, r, url).Capabilities()
	transporttest.Run(t, transporttest.Config{
		NewTransport: func(t *testing.T) transport.Transport { return openTransport(t, r, url) },
		Capabilities: caps,
		Prefix:       "harkrabbit",
	})
}

// TestConformanceQuorum runs the suite with durable quorum queues, where
// requeues use basic.reject and the broker's x-delivery-count.
func TestConformanceQuorum(t *testing.T) {
	url := rabbitURL(t)
	r := newRecorder(t, url)
	qurl := withQuery(url, "rabbit_quorum_queue=true")
	caps := openTransport(t, r, qurl).Capabilities()
	transporttest.Run(t, transporttest.Config{
		NewTransport: func(t *testing.T) transport.Transport { return openTransport(t, r, qurl) },
		Capabilities: caps,
		Prefix:       "harkrabbitq",
	})
}
