package rabbit

import (
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/transport"
)

func TestFromTable(t *testing.T) {
	h := fromTable(amqp.Table{
		"compression":                 "application/x-gzip",
		"bytes":                       []byte("raw"),
		"n":                           int32(7),
		"b":                           true,
		"x-death":                     []any{amqp.Table{"count": int64(1)}},
		"x-first-death-queue":         "q",
		"x-delivery-count":            int64(3),
		"x-acquired-count":            int64(3),
		headerDeliveries:              int32(2),
		headerExchange:                "nova",
		headerRoutingKey:              "notifications.info",
		"x-custom-not-broker-related": "kept",
	})
	assert.Equal(t, transport.Header{
		"compression": "application/x-gzip", "bytes": "raw", "n": "7", "b": "true",
		"x-custom-not-broker-related": "kept",
	}, h)
	assert.Nil(t, fromTable(nil))
	assert.Nil(t, fromTable(amqp.Table{"x-delivery-count": int64(0)}))
	assert.Nil(t, toTable(nil))
	assert.Equal(t, amqp.Table{"a": "b"}, toTable(transport.Header{"a": "b"}))
}

func TestDeliveryCount(t *testing.T) {
	for name, c := range map[string]struct {
		d    amqp.Delivery
		want int
	}{
		"first delivery":                    {amqp.Delivery{}, 1},
		"classic redelivery (crash, close)": {amqp.Delivery{Redelivered: true}, 2},
		"quorum first delivery (3.10)":      {amqp.Delivery{Headers: amqp.Table{"x-delivery-count": int64(0)}}, 1},
		"quorum after two returns":          {amqp.Delivery{Redelivered: true, Headers: amqp.Table{"x-delivery-count": int64(2)}}, 3},
		"republished after 2 deliveries":    {amqp.Delivery{Headers: amqp.Table{headerDeliveries: int32(2)}}, 3},
		"republished, then redelivered":     {amqp.Delivery{Redelivered: true, Headers: amqp.Table{headerDeliveries: int32(2)}}, 4},
		"republished into a quorum queue":   {amqp.Delivery{Headers: amqp.Table{headerDeliveries: int32(4), "x-delivery-count": int64(1)}}, 6},
		"RabbitMQ 4: acquisitions count":    {amqp.Delivery{Redelivered: true, Headers: amqp.Table{"x-acquired-count": int64(3), "x-delivery-count": int64(1)}}, 4},
		"count as text":                     {amqp.Delivery{Headers: amqp.Table{headerDeliveries: "5"}}, 6},
	} {
		assert.Equal(t, c.want, deliveryCount(&c.d), name)
	}
}

func TestRoutedBy(t *testing.T) {
	d := amqp.Delivery{Exchange: "", RoutingKey: "q.hark-retry.1000ms",
		Headers: amqp.Table{headerExchange: "nova", headerRoutingKey: "notifications.info"}}
	ex, key := routedBy(&d)
	assert.Equal(t, "nova", ex)
	assert.Equal(t, "notifications.info", key)
	d = amqp.Delivery{Exchange: "glance", RoutingKey: "notifications.error"}
	ex, key = routedBy(&d)
	assert.Equal(t, "glance", ex)
	assert.Equal(t, "notifications.error", key)
}

func TestRetryPolicy(t *testing.T) {
	p := DefaultRetryPolicy()
	// kombu's fxrange(1, 31, 2, repeatlast=True): 1, 3, 5, ... 29, 30, 30.
	var got []time.Duration
	for n := 1; n <= 17; n++ {
		got = append(got, p.wait(n))
	}
	assert.Equal(t, time.Second, got[0])
	assert.Equal(t, 3*time.Second, got[1])
	assert.Equal(t, 29*time.Second, got[14])
	assert.Equal(t, 30*time.Second, got[15])
	assert.Equal(t, 30*time.Second, got[16])
	assert.True(t, p.allows(1000), "-1 retries until the context ends")

	p.MaxRetries = 2
	assert.True(t, p.allows(2))
	assert.False(t, p.allows(3))
	p.MaxRetries = 0
	assert.False(t, p.allows(1), "0 tries once")

	c := defaultConfig()
	assert.Equal(t, DefaultReconnectDelay, reconnectWait(&c, 1), "kombu_reconnect_delay first")
	assert.Equal(t, DefaultReconnectDelay+DefaultRetryInterval, reconnectWait(&c, 2), "then the retry schedule on top, as oslo's ensure()")
}
