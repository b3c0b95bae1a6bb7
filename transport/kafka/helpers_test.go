package kafka_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/harkmq/hark/transport/kafka"
)

// startCluster starts an in-process kfake broker on 127.0.0.1 (a random
// port) that creates topics on demand with 4 partitions, closed at
// cleanup.
func startCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{
		kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4),
	}, opts...)...)
	require.NoError(t, err, "start kfake")
	t.Cleanup(c.Close)
	return c
}

// clusterURL is a kafka:// URL of c's brokers with query appended.
func clusterURL(c *kfake.Cluster, query string) string {
	u := "kafka://" + strings.Join(c.ListenAddrs(), ",") + "/"
	if query != "" {
		u += "?" + query
	}
	return u
}

// openTransport opens a transport on c, closed at cleanup.
func openTransport(t testing.TB, c *kfake.Cluster, query string, opts ...kafka.Option) *kafka.Transport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if os.Getenv("HARK_TEST_KAFKA_LOG") != "" {
		log, _ := zap.NewDevelopment()
		opts = append([]kafka.Option{kafka.WithLogger(log)}, opts...)
	}
	tr, err := kafka.New(ctx, clusterURL(c, query), opts...)
	require.NoError(t, err, "open %s", clusterURL(c, query))
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// groupFor is a consumer group name of the test t (its non-pooled group),
// so parallel tests do not share one.
func groupFor(t testing.TB) string {
	r := strings.NewReplacer("/", ".", " ", "_", "#", "_")
	return "g." + r.Replace(t.Name())
}
