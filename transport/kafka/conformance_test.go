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
		Skip: map[string]string{
			"Routing/topics_and_exchanges_are_isolated":      "Kafka topic names have no exchange (oslo's kafka driver ignores it), so targets differing only by exchange share a topic",
			"Groups/passive_listener_reads_only_what_exists": "Kafka has no exchanges, so a passive listener cannot report ErrExchangeNotFound (it reports ErrNotFound; TestPassiveCreatesNothing)",
			"Lease/exclusive": "a partition is Kafka's unit of exclusivity: a member joining revokes the partition of a held delivery, which is given back after the revoke grace",
		},
	})
}
