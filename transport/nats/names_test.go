package nats

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

func TestNames(t *testing.T) {
	k := key{exchange: "openstack", topic: "versioned.notifications", priority: transport.Info}
	assert.Equal(t, "openstack.versioned.notifications.info", k.subject())
	assert.Equal(t, "HARK_openstack", StreamName("openstack"))
	assert.Equal(t, []string{"openstack.>"}, streamSubjects("openstack"))

	all := shape{exchange: "openstack", topics: []string{"versioned.notifications"}, priorities: transport.Priorities()}
	np := consumerName("", all, false)
	assert.True(t, strings.HasPrefix(np, "all_versioned_notifications_"), np)
	assert.NotContains(t, np, ".")
	p := consumerName("billing", all, false)
	assert.True(t, strings.HasPrefix(p, "pool_billing_versioned_notifications_"), p)
	assert.True(t, strings.HasPrefix(consumerName("billing", all, true), "tmp_billing_"))

	// Readable parts that collide still get distinct names.
	other := all
	other.topics = []string{"versioned_notifications"}
	assert.NotEqual(t, consumerName("", all, false), consumerName("", other, false))
	assert.NotEqual(t, consumerName("all", all, false), consumerName("", all, false), "a pool named like the non-pooled group")
	infoOnly := all
	infoOnly.priorities = []transport.Priority{transport.Info}
	assert.NotEqual(t, consumerName("", all, false), consumerName("", infoOnly, false), "another shape, another consumer")

	long := shape{exchange: "e", topics: []string{strings.Repeat("t", 255)}, priorities: []transport.Priority{transport.Critical}}
	n := consumerName(strings.Repeat("p", 255), long, false)
	assert.LessOrEqual(t, len(n), maxName)
	assert.NotEqual(t, n, consumerName(strings.Repeat("p", 254), long, false))
	assert.LessOrEqual(t, len(StreamName(strings.Repeat("x", 255))), maxName)
}

func TestShapes(t *testing.T) {
	cfg := transport.ListenConfig{
		Targets: []target.Target{
			{Exchange: "nova", Topic: "notifications"}, {Exchange: "neutron", Topic: "notifications"},
			{Exchange: "nova", Topic: "versioned_notifications"}, {Exchange: "nova", Topic: "notifications"},
		},
		Priorities: []transport.Priority{transport.Error, transport.Info, transport.Error},
	}
	got := shapes(cfg)
	require.Len(t, got, 2, "one shape per exchange")
	assert.Equal(t, "nova", got[0].exchange)
	assert.Equal(t, []string{"notifications", "versioned_notifications"}, got[0].topics)
	assert.Equal(t, []transport.Priority{transport.Info, transport.Error}, got[0].priorities, "oslo's order, no repeats")
	assert.Equal(t, []string{"nova.notifications.info", "nova.notifications.error",
		"nova.versioned_notifications.info", "nova.versioned_notifications.error"}, got[0].filters())
	assert.Equal(t, transport.AnyTopic, got[0].backlogTopic())
	assert.Equal(t, "notifications", got[1].backlogTopic())

	cfg.Priorities = transport.Priorities()
	assert.Equal(t, []string{"nova.notifications.*", "nova.versioned_notifications.*"}, shapes(cfg)[0].filters(),
		"every priority: one wildcard per topic")
}

func TestParseSubject(t *testing.T) {
	topic, p, ok := parseSubject("openstack", "openstack.versioned.notifications.info")
	require.True(t, ok)
	assert.Equal(t, "versioned.notifications", topic)
	assert.Equal(t, transport.Info, p)
	for _, bad := range []string{"openstack.info", "other.t.info", "openstack", "openstack.t.", "openstackx.t.info"} {
		_, _, ok := parseSubject("openstack", bad)
		assert.False(t, ok, bad)
	}
}

func TestSubjectsOverlap(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"e.t.info", "e.t.info", true},
		{"e.t.*", "e.t.info", true},
		{"e.t.*", "e.u.info", false},
		{"e.t.*", "e.t.dlq.info", false},
		{"e.>", "e.t.info", true},
		{"e.t.info", "e.t.error", false},
		{"e.a.b.*", "e.a.*", false},
	} {
		assert.Equal(t, c.want, subjectsOverlap(c.a, c.b), "%s ~ %s", c.a, c.b)
		assert.Equal(t, c.want, subjectsOverlap(c.b, c.a), "%s ~ %s", c.b, c.a)
	}
}

func TestServerVersion(t *testing.T) {
	require.ErrorIs(t, checkServerVersion("2.9.10"), ErrServerTooOld)
	err := checkServerVersion("2.9.10")
	assert.Contains(t, err.Error(), "2.9.10")
	assert.Contains(t, err.Error(), MinServerVersion)
	for _, ok := range []string{"2.10.0", "2.10.22", "2.15.2", "3.0.0", "2.11.0-RC.1", "weird"} {
		assert.NoError(t, checkServerVersion(ok), ok)
	}
}

func TestFiltersCover(t *testing.T) {
	assert.True(t, filtersCover([]string{"e.a.*", "e.b.*"}, []string{"e.a.*"}), "a topic added")
	assert.True(t, filtersCover([]string{"e.a.*"}, []string{"e.a.info", "e.a.error"}), "priorities added")
	assert.False(t, filtersCover([]string{"e.a.info"}, []string{"e.a.*"}), "priorities removed")
	assert.False(t, filtersCover([]string{"e.a.*"}, []string{"e.a.*", "e.b.*"}), "a topic removed")
	assert.False(t, filtersCover([]string{"e.a.*"}, []string{"e.a.dlq.info"}))
	assert.True(t, filtersCover([]string{"e.>"}, []string{"e.a.dlq.info"}))
}
