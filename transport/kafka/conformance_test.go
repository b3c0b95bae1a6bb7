package kafka_test

import (
	"testing"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/kafka"
	"github.com/harkmq/hark/transport/transporttest"
)

// TestConformance runs the transport conformance suite against an
// in-process kfake broker, claiming what the transport reports. Each test
// of the suite gets its own non-pooled consumer group (consumer_group),
// so that parallel tests do not rebalance one another.
func TestConformance(t *testing.T) {
	c := startCluster(t)
	caps := openTransport(t, c, "").Capabilities()
	transporttest.Run(t, transporttest.Config{
		NewTransport: func(t *testing.T) transport.Transport {
			return openTransport(t, c, "", kafka.WithConsumerGroup(groupFor(t)))
		},
		Capabilities: caps,
	})
}
