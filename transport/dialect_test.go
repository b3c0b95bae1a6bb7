package transport_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
)

type kafkaLike struct{ transport.Transport }

func (kafkaLike) Dialect() transport.Dialect { return transport.DialectKafka }

func TestDialect(t *testing.T) {
	assert.Equal(t, "amqp", transport.DialectAMQP.String())
	assert.Equal(t, "kafka", transport.DialectKafka.String())
	assert.Equal(t, "dialect(7)", transport.Dialect(7).String())

	b := memory.NewBroker()
	defer b.Close()
	tr, err := b.Transport()
	require.NoError(t, err)
	defer tr.Close()
	assert.Equal(t, transport.DialectAMQP, transport.DialectOf(tr), "a transport that reports none speaks oslo's rabbit layout")
	assert.Equal(t, transport.DialectKafka, transport.DialectOf(kafkaLike{tr}))
}
