package rabbit

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func TestQueueNames(t *testing.T) {
	assert.Equal(t, "notifications.info", routingKey("notifications", transport.Info))
	assert.Equal(t, "notifications.info", queueName("", "notifications", transport.Info), "without a pool: the routing key")
	assert.Equal(t, "billing", queueName("billing", "notifications", transport.Info), "with a pool: the pool, verbatim")
	assert.Equal(t, "versioned.notifications.error", queueName("", "versioned.notifications", transport.Error))
}

func TestPlanQueues(t *testing.T) {
	cfg := transport.ListenConfig{
		Targets:    []target.Target{{Exchange: "openstack", Topic: "notifications"}, {Exchange: "nova", Topic: "other"}},
		Priorities: []transport.Priority{transport.Info, transport.Error},
	}
	// Without a pool: one queue per key, each bound once.
	assert.Equal(t, []queuePlan{
		{name: "notifications.info", bindings: []binding{{"openstack", "notifications.info"}}},
		{name: "notifications.error", bindings: []binding{{"openstack", "notifications.error"}}},
		{name: "other.info", bindings: []binding{{"nova", "other.info"}}},
		{name: "other.error", bindings: []binding{{"nova", "other.error"}}},
	}, planQueues(cfg))

	// With a pool: one queue, bound to every key of every target (oslo,
	// spec §4.5: "mypool" with 4 bindings).
	cfg.Pool = "mypool"
	assert.Equal(t, []queuePlan{{name: "mypool", bindings: []binding{
		{"openstack", "notifications.info"}, {"openstack", "notifications.error"},
		{"nova", "other.info"}, {"nova", "other.error"},
	}}}, planQueues(cfg))
	assert.Equal(t, []string{"openstack", "nova"}, exchanges(planQueues(cfg)))

	// Two exchanges with the same topic share the non-pooled queue, as in
	// oslo (ceilometer's notifications.info is bound to nova, glance, ...).
	cfg = transport.ListenConfig{
		Targets:    []target.Target{{Exchange: "nova", Topic: "notifications"}, {Exchange: "glance", Topic: "notifications"}},
		Priorities: []transport.Priority{transport.Info},
	}
	assert.Equal(t, []queuePlan{{name: "notifications.info", bindings: []binding{
		{"nova", "notifications.info"}, {"glance", "notifications.info"},
	}}}, planQueues(cfg))
}

func TestParseSource(t *testing.T) {
	cfg := &transport.ListenConfig{
		Targets:    []target.Target{{Exchange: "nova", Topic: "notifications"}, {Exchange: "nova", Topic: "versioned.notifications"}},
		Priorities: []transport.Priority{transport.Info, transport.Warn},
	}
	for _, c := range []struct {
		ex, key string
		tg      target.Target
		p       transport.Priority
		ours    bool
	}{
		{"nova", "notifications.info", target.Target{Exchange: "nova", Topic: "notifications"}, transport.Info, true},
		{"nova", "versioned.notifications.warn", target.Target{Exchange: "nova", Topic: "versioned.notifications"}, transport.Warn, true},
		// Another exchange bound to the shared queue: not ours, still parsed.
		{"glance", "notifications.info", target.Target{Exchange: "glance", Topic: "notifications"}, transport.Info, false},
		// A priority this listener did not ask for (a pool queue shared
		// with another application).
		{"nova", "notifications.error", target.Target{Exchange: "nova", Topic: "notifications"}, transport.Error, false},
		{"nova", "a.b.sample", target.Target{Exchange: "nova", Topic: "a.b"}, transport.Sample, false},
		// Not "<topic>.<priority>" at all.
		{"nova", "notifications.INFO", target.Target{Exchange: "nova", Topic: "notifications.INFO"}, "", false},
		{"x", "plain", target.Target{Exchange: "x", Topic: "plain"}, "", false},
		{"nova", "notificationsx.info", target.Target{Exchange: "nova", Topic: "notificationsx"}, transport.Info, false},
	} {
		tg, p, ours := parseSource(c.ex, c.key, cfg)
		assert.Equal(t, c.tg, tg, "%s %s", c.ex, c.key)
		assert.Equal(t, c.p, p, "%s %s", c.ex, c.key)
		assert.Equal(t, c.ours, ours, "%s %s", c.ex, c.key)
	}
}

func TestRetryQueues(t *testing.T) {
	assert.Equal(t, "notifications.info.hark-retry.1000ms", retryQueueName("notifications.info", time.Second))
	assert.Equal(t, "p.hark-retry.2ms", retryQueueName("p", 1500*time.Microsecond), "rounded up, never early")
	assert.Equal(t, "p.hark-retry.1ms", retryQueueName("p", time.Nanosecond))
	long := strings.Repeat("q", 255)
	n1, n2 := retryQueueName(long, time.Second), retryQueueName(long[:254]+"r", time.Second)
	assert.LessOrEqual(t, len(n1), 255)
	assert.NotEqual(t, n1, n2, "long names stay distinct")
	assert.True(t, strings.HasSuffix(n1, ".hark-retry.1000ms"))

	args := retryQueueArgs("notifications.info", 10*time.Second)
	assert.Equal(t, int32(10000), args["x-message-ttl"])
	assert.Equal(t, "", args["x-dead-letter-exchange"], "back through the default exchange...")
	assert.Equal(t, "notifications.info", args["x-dead-letter-routing-key"], "...straight to the listener's queue")
	assert.Equal(t, int32(70000), args["x-expires"], "the queue outlives its last message")
}
