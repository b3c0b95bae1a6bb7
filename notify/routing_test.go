package notify_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

// routed sends one notification through a routing notifier and reports
// which drivers got it: "test" (the TestDriver), "log" (the observed
// logger) and "messagingv2" (the fake transport).
func routed(t *testing.T, config string, p transport.Priority, eventType string) []string {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	tr := &fakeTransport{}
	n := newNotifier(t, tr, notify.WithDriverNames("routing"), notify.WithRoutingConfigData([]byte(config)),
		notify.WithNotifierLogger(zap.New(core)))
	require.NoError(t, n.Notify(t.Context(), p, nil, eventType, nil))
	var got []string
	if l := logs.FilterLoggerName("oslo.messaging.notification." + eventType).Len(); l > 0 {
		assert.Equal(t, 1, l, "each accepted driver is called once")
		got = append(got, "log")
	}
	if len(tr.Sent()) > 0 {
		assert.Len(t, tr.Sent(), 1, "each accepted driver is called once")
		got = append(got, "messagingv2")
	}
	if td := n.TestDriver(); td != nil && len(td.Notifications()) > 0 {
		assert.Len(t, td.Notifications(), 1, "each accepted driver is called once")
		got = append(got, "test")
	}
	return got
}

// TestRoutingNotifier replicates oslo's TestRoutingNotifier: routing by
// accepted_events, by accepted_priorities, and by both.
func TestRoutingNotifier(t *testing.T) {
	t.Run("accepted_events", func(t *testing.T) {
		cfg := `
group_1:
  test:
    accepted_events: ["foo.*", "bar.?.baz"]
group_2:
  log:
    accepted_events: ["bar.*"]
`
		assert.Equal(t, []string{"test"}, routed(t, cfg, transport.Info, "foo.x.y"))
		assert.Equal(t, []string{"log", "test"}, routed(t, cfg, transport.Info, "bar.1.baz"))
		assert.Equal(t, []string{"log"}, routed(t, cfg, transport.Info, "bar.12.baz"))
		assert.Empty(t, routed(t, cfg, transport.Info, "baz.foo"))
	})

	t.Run("accepted_priorities", func(t *testing.T) {
		cfg := `
group_1:
  test:
    accepted_priorities: [INFO, "warn*"]
  messagingv2:
    accepted_priorities: ["[ec]*"]
`
		assert.Equal(t, []string{"test"}, routed(t, cfg, transport.Info, "x"))
		assert.Equal(t, []string{"test"}, routed(t, cfg, transport.Warn, "x"))
		assert.Equal(t, []string{"messagingv2"}, routed(t, cfg, transport.Error, "x"))
		assert.Equal(t, []string{"messagingv2"}, routed(t, cfg, transport.Critical, "x"))
		assert.Empty(t, routed(t, cfg, transport.Debug, "x"))
	})

	t.Run("both rules must match", func(t *testing.T) {
		cfg := `
group_1:
  test:
    accepted_events: ["compute.*"]
    accepted_priorities: [error]
`
		assert.Equal(t, []string{"test"}, routed(t, cfg, transport.Error, "compute.instance.delete"))
		assert.Empty(t, routed(t, cfg, transport.Info, "compute.instance.delete"))
		assert.Empty(t, routed(t, cfg, transport.Error, "network.create"))
	})

	t.Run("groups are ORed and a driver is called once", func(t *testing.T) {
		cfg := `
group_1:
  test:
    accepted_events: ["compute.*"]
group_2:
  test:
    accepted_priorities: [info]
`
		assert.Equal(t, []string{"test"}, routed(t, cfg, transport.Info, "compute.x"))
		assert.Equal(t, []string{"test"}, routed(t, cfg, transport.Error, "compute.x"))
		assert.Equal(t, []string{"test"}, routed(t, cfg, transport.Info, "network.x"))
		assert.Empty(t, routed(t, cfg, transport.Error, "network.x"))
	})

	t.Run("no rules accept everything, an empty list nothing", func(t *testing.T) {
		assert.Equal(t, []string{"test"}, routed(t, "g: {test: {}}", transport.Sample, "any"))
		assert.Equal(t, []string{"test"}, routed(t, "g: {test: }", transport.Sample, "any"))
		assert.Empty(t, routed(t, "g: {test: {accepted_events: []}}", transport.Sample, "any"))
	})

	t.Run("empty config routes nothing", func(t *testing.T) {
		assert.Empty(t, routed(t, "", transport.Info, "x"))
	})

	t.Run("retry is passed through", func(t *testing.T) {
		n := newNotifier(t, nil, notify.WithDriverNames("routing"), notify.WithRetry(4),
			notify.WithRoutingConfigData([]byte("g: {test: {}}")))
		require.NoError(t, n.Info(t.Context(), nil, "x", nil))
		recs := n.TestDriver().Notifications()
		require.Len(t, recs, 1)
		assert.Equal(t, 4, recs[0].Retry)
	})
}

func TestRoutingNotifierConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "routing.yaml")
	require.NoError(t, os.WriteFile(path, []byte("g:\n  test:\n    accepted_events: ['a.*']\n"), 0o600))
	n := newNotifier(t, nil, notify.WithDriverNames("routing"), notify.WithRoutingConfig(path))
	require.NoError(t, n.Info(t.Context(), nil, "a.b", nil))
	require.NoError(t, n.Info(t.Context(), nil, "b.a", nil))
	assert.Len(t, n.TestDriver().Notifications(), 1)

	missing := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := notify.NewNotifier(nil, notify.WithDriverNames("routing"), notify.WithRoutingConfig(missing))
	require.ErrorIs(t, err, notify.ErrRoutingConfig)
	assert.Contains(t, err.Error(), missing)
}

func TestRoutingNotifierConfigErrors(t *testing.T) {
	cases := map[string]struct {
		yaml     string
		want     []error
		contains string
	}{
		"bad yaml":         {"g: [unclosed", []error{notify.ErrRoutingConfig}, "<RoutingConfigData>"},
		"not a mapping":    {"- a\n- b\n", []error{notify.ErrRoutingConfig}, ""},
		"unknown driver":   {"g: {kafka: {}}", []error{notify.ErrRoutingConfig, notify.ErrUnknownDriver}, `"kafka"`},
		"routing to self":  {"g: {routing: {}}", []error{notify.ErrRoutingConfig}, "itself"},
		"unknown rule key": {"g: {test: {accepted_event: [a]}}", []error{notify.ErrRoutingConfig}, "accepted_event"},
		"bad glob":         {"g: {test: {accepted_events: ['[z-a]']}}", []error{notify.ErrRoutingConfig}, `"[z-a]"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := notify.NewNotifier(nil, notify.WithDriverNames("routing"), notify.WithRoutingConfigData([]byte(c.yaml)))
			for _, w := range c.want {
				require.ErrorIs(t, err, w)
			}
			assert.Contains(t, err.Error(), c.contains)
		})
	}
}

func TestRoutingSharesTestDriver(t *testing.T) {
	// "test" named directly and in the routing config is one driver, as
	// oslo's module-level list is one list: it records both calls.
	n := newNotifier(t, nil, notify.WithDriverNames("test", "routing"), notify.WithRoutingConfigData([]byte("g: {test: {}}")))
	require.NoError(t, n.Info(t.Context(), nil, "x", nil))
	assert.Len(t, n.TestDriver().Notifications(), 2)
}
