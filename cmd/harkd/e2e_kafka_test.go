package main

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestE2EKafka: harkd with a kafka:// transport_url, on an in-process
// kfake cluster. Its non-pooled group reads what hark notify sent before
// it started (the backlog); its file endpoint gets each notification with
// the context oslo's kafka layout nests; /readyz, the acked counter and
// the backlog metric (the group's lag) work, and SIGTERM stops it
// cleanly.
func TestE2EKafka(t *testing.T) {
	needHark(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	url := "kafka://" + c.ListenAddrs()[0]

	mustHark(t, url, "notify", "--count", "5", "--event-type", "before.start", "--context", `{"project_id": "p1"}`, "--quiet")
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	d := startHarkd(t, harkdOpts{dir: dir, config: fmt.Sprintf("transport_url: %q\n"+
		"metrics: {backlog_interval: 100ms}\n"+
		"endpoints:\n  - {name: out, type: file, path: %s}\n", url, out)})
	d.waitReady(readyTimeout)
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="info"}`, 5)
	mustHark(t, url, "notify", "--count", "3", "--priority", "error", "--event-type", "after.start", "--quiet")
	d.waitMetric(waitTimeout, `hark_notifications_acked_total{priority="error"}`, 3)
	d.waitMetric(waitTimeout, backlogMetric("", "openstack", "notifications"), 0)
	assert.Equal(t, 1.0, d.metric("hark_transport_up"))

	lines := readJSONLines(t, out)
	require.Len(t, lines, 8)
	assert.Equal(t, "before.start", lines[0]["event_type"])
	assert.Equal(t, map[string]any{"project_id": "p1"}, lines[0]["context"])
	d.signal(syscall.SIGTERM)
	assert.Equal(t, 0, d.wait(exitTimeout))
}
