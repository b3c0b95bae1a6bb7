package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backlogMetric names the hark_backlog_messages series of labels as
// /metrics exposes it (labels in alphabetical order).
func backlogMetric(pool, exchange, topic string) string {
	return fmt.Sprintf(`hark_backlog_messages{exchange=%q,pool=%q,topic=%q}`, exchange, pool, topic)
}

// TestE2EBacklogMetric: on memory://, harkd reports
// hark_backlog_messages for its listener's group with the pool, exchange
// and topic labels ("*" for a pool serving two topics); after a SIGHUP
// that changes the pool and targets, the old config's series are gone.
func TestE2EBacklogMetric(t *testing.T) {
	cfg := func(pool, targets string) string {
		return "transport_url: memory://\n" +
			"listener: {pool: " + pool + ", targets: " + targets + "}\n" +
			"metrics: {backlog_interval: 100ms}\n" +
			"endpoints: [{type: log}]\n"
	}
	d := startHarkd(t, harkdOpts{config: cfg("alpha", "[{topic: notifications}, {topic: versioned}]")})
	d.waitReady(readyTimeout)
	alpha := backlogMetric("alpha", "openstack", "*")
	d.waitMetric(waitTimeout, alpha, 0)
	assert.Equal(t, 0.0, d.metric(alpha))

	require.NoError(t, os.WriteFile(d.configPath(), []byte(cfg("beta", "[{exchange: nova, topic: notifications}]")), 0o600))
	d.signal(syscall.SIGHUP)
	d.waitMetric(waitTimeout, `hark_config_reloads_total{result="success"}`, 1)
	beta := backlogMetric("beta", "nova", "notifications")
	d.waitMetric(waitTimeout, beta, 0)
	assert.Equal(t, -1.0, d.metric(alpha), "the previous config's series is removed")

	// Turned off by a reload: the series goes.
	require.NoError(t, os.WriteFile(d.configPath(), []byte(strings.Replace(cfg("beta", "[{exchange: nova, topic: notifications}]"), "100ms", "0s", 1)), 0o600))
	d.signal(syscall.SIGHUP)
	d.waitMetric(waitTimeout, `hark_config_reloads_total{result="success"}`, 2)
	d.eventually(waitTimeout, "the backlog series to go", func() bool { return d.metric(beta) == -1 })

	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// TestE2EBacklogMetricRabbit: on RabbitMQ, with one notification in a
// slow handler and prefetch 1, hark_backlog_messages reports the others,
// ready in the pool's queue, and drops to 0 as they are handled. Runs
// when HARK_TEST_RABBIT_URL is set.
func TestE2EBacklogMetricRabbit(t *testing.T) {
	url := os.Getenv("HARK_TEST_RABBIT_URL")
	if url == "" {
		t.Skip("set HARK_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:5672/ to run the RabbitMQ tests")
	}
	needHark(t)
	suffix := strings.ToLower(rand.Text()[:10])
	exchange, topic, pool := "harkd-e2e-x-"+suffix, "harkd-e2e-t-"+suffix, "harkd-e2e-pool-"+suffix
	t.Cleanup(func() { deleteRabbit(t, url, []string{pool, topic + ".info"}, exchange) })

	d := startHarkd(t, harkdOpts{config: fmt.Sprintf(`
transport_url: %q
listener:
  targets: [{exchange: %s, topic: %s}]
  pool: %s
  executor: blocking
  workers: 1
  prefetch: 1
metrics: {backlog_interval: 100ms}
endpoints: [{type: exec, command: [sleep, "1"], timeout: 10s}]
`, url, exchange, topic, pool)})
	d.waitReady(readyTimeout)
	series := backlogMetric(pool, exchange, topic)
	d.waitMetric(waitTimeout, series, 0)

	const n = 5
	mustHark(t, url, "notify", "--exchange", exchange, "--topic", topic, "--count", fmt.Sprint(n))
	d.eventually(waitTimeout, fmt.Sprintf("%s == %d (one in the handler)", series, n-1), func() bool { return d.metric(series) == n-1 })
	d.eventually(waitTimeout, series+" == 0", func() bool { return d.metric(series) == 0 })
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="info"}`, n)

	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}

// deleteRabbit deletes the queues and the exchange a RabbitMQ test made.
func deleteRabbit(t *testing.T, url string, queues []string, exchange string) {
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Logf("cleanup: %v", err)
		return
	}
	for _, q := range queues {
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			t.Logf("cleanup: delete queue %s: %v", q, err)
		}
	}
	if err := ch.ExchangeDelete(exchange, false, false); err != nil {
		t.Logf("cleanup: delete exchange %s: %v", exchange, err)
	}
}
