package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/transport"
)

// TestBacklogSeries: Set replaces an owner's series (summing entries
// with the same labels), and Clear removes only the series no newer
// owner has set, as a reload needs.
func TestBacklogSeries(t *testing.T) {
	m := New()
	assert.NotContains(t, scrape(t, m), "hark_backlog_messages{", "no series before a listener reports")

	old := m.NewBacklog()
	old.Set([]transport.Backlog{
		{Pool: "a", Exchange: "openstack", Topic: "notifications", Messages: 3},
		{Pool: "a", Exchange: "nova", Topic: transport.AnyTopic, Messages: 1},
		{Pool: "a", Exchange: "nova", Topic: transport.AnyTopic, Messages: 2},
	})
	out := scrape(t, m)
	assert.Contains(t, out, `hark_backlog_messages{exchange="openstack",pool="a",topic="notifications"} 3`)
	assert.Contains(t, out, `hark_backlog_messages{exchange="nova",pool="a",topic="*"} 3`)

	old.Set([]transport.Backlog{{Pool: "a", Exchange: "openstack", Topic: "notifications", Messages: 0}})
	out = scrape(t, m)
	assert.Contains(t, out, `hark_backlog_messages{exchange="openstack",pool="a",topic="notifications"} 0`)
	assert.NotContains(t, out, `exchange="nova"`, "a series the owner no longer reports goes")

	// A reload: the new listener shares one series with the old one.
	old.Set([]transport.Backlog{
		{Pool: "a", Exchange: "openstack", Topic: "notifications", Messages: 5},
		{Pool: "a", Exchange: "openstack", Topic: "versioned", Messages: 6},
	})
	cur := m.NewBacklog()
	cur.Set([]transport.Backlog{{Pool: "a", Exchange: "openstack", Topic: "notifications", Messages: 7}})
	old.Clear()
	out = scrape(t, m)
	assert.Contains(t, out, `hark_backlog_messages{exchange="openstack",pool="a",topic="notifications"} 7`, "the new owner's series stays")
	assert.NotContains(t, out, `topic="versioned"`, "the old config's series goes")

	cur.Clear()
	assert.NotContains(t, scrape(t, m), "hark_backlog_messages{")
}
