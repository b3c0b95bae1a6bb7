package rabbit

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/transporttest"
)

// TestConcurrentFirstSendsAreConfirmed: Sends of one transport that race
// to a topic nobody sent to yet all publish after the default quorum
// queue is ready. RabbitMQ answers the declare of a queue another
// channel is still creating at once, before the queue has a leader, and
// nacks a publish routed there (while the pool's queue, which is ready,
// keeps its copy): a Send that went ahead then failed, and retried into
// a duplicate. With no retries allowed, every first attempt must be
// confirmed, and every message must arrive once.
func TestConcurrentFirstSendsAreConfirmed(t *testing.T) {
	url := rabbitURL(t)
	r := newRecorder(t, url)
	qurl := withQuery(url, "rabbit_quorum_queue=true")
	tr := openTransport(t, r, qurl, WithRetryPolicy(RetryPolicy{MaxRetries: 0}))

	const topics, senders = 20, 8
	ex := transporttest.UniqueName("harkrabbit-x")
	tgs := make([]target.Target, topics)
	for i := range tgs {
		tgs[i] = target.Target{Exchange: ex, Topic: transporttest.UniqueName("harkrabbit-t")}
	}
	// A pool listener bound to every topic: each message goes to its
	// queue and to the topic's default queue.
	l := listenInfo(t, openTransport(t, r, qurl), transport.ListenConfig{Targets: tgs, Pool: transporttest.UniqueName("harkrabbit-p")})

	tag := transporttest.UniqueName("harkrabbit-m")
	ctx := testutil.Within(t, time.Minute)
	for i, tg := range tgs {
		start := make(chan struct{})
		errs := make([]error, senders)
		var wg sync.WaitGroup
		for s := range senders {
			wg.Go(func() {
				<-start
				errs[s] = tr.Send(ctx, tg, transport.Info, transporttest.NewMessage(tag, i*senders+s))
			})
		}
		close(start)
		wg.Wait()
		for s, err := range errs {
			require.NoError(t, err, "topic %d, sender %d: the first attempt was not confirmed", i, s)
		}
	}

	seen := map[string]int{}
	for _, d := range transporttest.Collect(t, l, topics*senders, 30*time.Second) {
		seen[d.Message().ID]++
	}
	for i := range topics * senders {
		assert.Equal(t, 1, seen[fmt.Sprintf("%s-%d", tag, i)], "message %d", i)
	}
	transporttest.AssertNoDelivery(t, transporttest.DefaultQuiet, l)
}
