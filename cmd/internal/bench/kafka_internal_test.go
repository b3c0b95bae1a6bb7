package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/transport"
)

func TestOwnedBy(t *testing.T) {
	base := "harkbench_ab12cd34_hark1"
	for name, want := range map[string]bool{
		base:                          true,
		base + ".info":                true,
		base + ".info.retry.1":        true,
		base + "_pool2":               true,
		"harkbench_ab12cd34_hark10":   false,
		"harkbench_ab12cd34_hark1x":   false,
		"other":                       false,
		"harkbench_ab12cd34_bare1":    false,
		"x" + base:                    false,
		"harkbench_ab12cd34_hark1-ab": false,
		"hark.retry." + base + "." + base + ".info":   true,
		"hark.retry." + base + "_pool1.x.info":        true,
		"hark.retry.harkbench_ab12cd34_hark10.t.info": false,
		"hark.retry.x" + base + ".t":                  false,
	} {
		assert.Equal(t, want, ownedBy(name, base), name)
	}
}

func TestKafkaTopicVirtualHost(t *testing.T) {
	n := names{exchange: "e", topic: "t"}
	u, err := transport.ParseURL("kafka://127.0.0.1:9092/")
	require.NoError(t, err)
	assert.Equal(t, "t.info", kafkaTopic(u, n, transport.Info))
	u, err = transport.ParseURL("kafka://127.0.0.1:9092/vh")
	require.NoError(t, err)
	assert.Equal(t, "t.info.vh", kafkaTopic(u, n, transport.Info), "oslo's sender appends the virtual host")
}

func TestKafkaSecurityOptions(t *testing.T) {
	for _, raw := range []string{
		"kafka://h:9092/?security_protocol=BOGUS",
		"kafka://u:p@h:9092/?security_protocol=SASL_PLAINTEXT&sasl_mechanism=GSSAPI",
		"kafka://h:9092/?security_protocol=SSL&ssl_cafile=/nonexistent/ca.pem",
	} {
		u, err := transport.ParseURL(raw)
		require.NoError(t, err)
		_, err = parseKafkaTarget(u)
		assert.Error(t, err, raw)
	}
	u, err := transport.ParseURL("kafka://u:p@h:9092,h2/?security_protocol=SASL_SSL&sasl_mechanism=SCRAM-SHA-512")
	require.NoError(t, err)
	kt, err := parseKafkaTarget(u)
	require.NoError(t, err)
	assert.Len(t, kt.opts, 3, "seeds, TLS and SASL")
}

// TestBareKafka drains a backlog with the bare franz-go baseline on an
// in-process kfake cluster, and checks that closing the side removes the
// round's topics and group.
func TestBareKafka(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	ctx := testutil.Within(t, time.Minute)
	u, err := transport.ParseURL("kafka://" + c.ListenAddrs()[0])
	require.NoError(t, err)
	kt, err := parseKafkaTarget(u)
	require.NoError(t, err)
	cfg := Config{Scenario: Drain, URL: u.Redacted(), Mix: true, Prefetch: 64}
	base := "harkbench_00000000_bare1"
	n := names{exchange: base, topic: base, pools: []string{base}}

	s, err := openBareKafka(ctx, &cfg, kt, n, bareReceive)
	require.NoError(t, err)
	require.NoError(t, s.prepare(ctx, n.groups()))
	mm, err := newDialectMessageMaker(300, transport.DialectKafka)
	require.NoError(t, err)
	const count = 700
	for i := range count {
		p := cfg.priorityOf(i)
		m, err := mm.make(time.Time{}, p)
		require.NoError(t, err)
		require.NoError(t, s.send(ctx, p, m))
	}
	probe, err := mm.make(time.Time{}, transport.Info)
	require.NoError(t, err)
	assert.Contains(t, string(probe.Body), `\"_context\": {`, "oslo's kafka layout: the context nested")
	assert.NotContains(t, string(probe.Body), "_unique_id")
	tl := newTally(count, false)
	stop, err := s.consume(ctx, n.groups(), tl)
	require.NoError(t, err)
	select {
	case <-tl.done:
	case <-ctx.Done():
		t.Fatalf("drained %d of %d", tl.count(), count)
	}
	require.NoError(t, stop(ctx))

	adm := kadm.NewClient(s.prod)
	offs, err := adm.FetchOffsets(ctx, base)
	require.NoError(t, err)
	var committed int64
	offs.Each(func(o kadm.OffsetResponse) { committed += o.At })
	assert.EqualValues(t, count, committed, "every record's offset was committed")

	require.NoError(t, s.close(ctx))
	cl, err := kt.client()
	require.NoError(t, err)
	defer cl.Close()
	adm = kadm.NewClient(cl)
	topics, err := adm.ListTopics(ctx)
	require.NoError(t, err)
	for _, name := range topics.Names() {
		assert.False(t, ownedBy(name, base), "topic %s left behind", name)
	}
	groups, err := adm.ListGroups(ctx)
	require.NoError(t, err)
	assert.NotContains(t, groups.Groups(), base)
}

// TestMeasure_kafka_harkd drains and fans out on an in-process kfake
// cluster with every contender, harkd included, and checks that nothing
// of the benchmark is left on the broker.
func TestMeasure_kafka_harkd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds harkd and starts a kfake cluster")
	}
	harkd := buildHarkd(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	url := "kafka://" + c.ListenAddrs()[0]
	ctx := testutil.Within(t, 3*time.Minute)
	for _, cfg := range []Config{
		{Scenario: Drain, URL: url, Messages: 1500, Baseline: true, Mix: true, Rounds: 2, Harkd: Harkd{Path: harkd}},
		{Scenario: Fanout, URL: url, Messages: 500, Pools: 2, Baseline: true, Harkd: Harkd{Path: harkd}},
		{Scenario: Steady, URL: url, Rate: 500, Duration: 500 * time.Millisecond, Baseline: true},
	} {
		cfg.Stall = 20 * time.Second
		rep, err := Measure(ctx, cfg)
		require.NoError(t, err, "%s", cfg.Scenario)
		assert.Equal(t, KindKafka, rep.Transport)
		want := []string{"bare", "bare-envelope", "hark", "harkd"}
		if cfg.Scenario == Steady {
			want = want[:3]
		}
		var got []string
		for _, r := range rep.Runs {
			got = append(got, r.Name)
			assert.Equal(t, rep.Messages*rep.Pools, r.Messages+r.Warmup, "%s %s handled every notification", cfg.Scenario, r.Name)
			assert.Positive(t, r.MsgPerSec, r.Name)
		}
		assert.Equal(t, want, got, "%s", cfg.Scenario)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	require.NoError(t, err)
	defer cl.Close()
	adm := kadm.NewClient(cl)
	topics, err := adm.ListTopics(ctx)
	require.NoError(t, err)
	groups, err := adm.ListGroups(ctx)
	require.NoError(t, err)
	for _, name := range append(topics.Names(), groups.Groups()...) {
		assert.NotContains(t, name, "harkbench_", "left on the broker")
	}
}
