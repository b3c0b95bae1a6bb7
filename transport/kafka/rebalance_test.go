package kafka_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/kafka"
	"github.com/harkmq/hark/transport/transporttest"
)

// rebalanceTally counts what the members of a pool handled: an id is
// handled when its Ack succeeded.
type rebalanceTally struct {
	mu       sync.Mutex
	handled  map[string]int
	requeued int
	refused  int // settles refused (partition revoked, listener closed)
}

func (r *rebalanceTally) unique() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.handled)
}

func (r *rebalanceTally) duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.handled {
		n += c - 1
	}
	return n
}

// member runs a pool member on its own transport: one goroutine takes
// deliveries and four workers settle them in any order after a short
// random pause, requeueing one first delivery in twenty.
type member struct {
	l    transport.Listener
	stop context.CancelFunc
	done sync.WaitGroup
}

func startMember(t *testing.T, c *kfake.Cluster, cfg transport.ListenConfig, tally *rebalanceTally) *member {
	t.Helper()
	tr := openTransport(t, c, "")
	l, err := tr.Listen(t.Context(), cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	m := &member{l: l, stop: cancel}
	work := make(chan transport.Delivery)
	m.done.Go(func() {
		defer close(work)
		for {
			d, err := l.Next(ctx)
			if err != nil {
				return
			}
			select {
			case work <- d:
			case <-ctx.Done():
				return
			}
		}
	})
	for range 4 {
		m.done.Go(func() {
			for d := range work {
				time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
				if d.Deliveries() == 1 && rand.IntN(20) == 0 {
					if d.Requeue(context.Background(), 5*time.Millisecond) == nil {
						tally.mu.Lock()
						tally.requeued++
						tally.mu.Unlock()
						continue
					}
				}
				err := d.Ack(context.Background())
				tally.mu.Lock()
				if err == nil {
					tally.handled[string(d.Message().Body)]++
				} else {
					tally.refused++
				}
				tally.mu.Unlock()
			}
		})
	}
	return m
}

// TestRebalance: while a pool of listeners reads a steady stream on a
// 6-partition topic, members are added, one is closed and one is killed.
// Nothing is lost, and nothing is handled twice until the kill (a killed
// member's settled but not yet committed offsets are read again).
func TestRebalance(t *testing.T) {
	if testing.Short() {
		t.Skip("a rebalance scenario of a few seconds")
	}
	const n = 3000
	c := startCluster(t, kfake.DefaultNumPartitions(6))
	sender := openTransport(t, c, "")
	tg := target.Target{Exchange: "openstack", Topic: "rebalance"}
	cfg := transport.ListenConfig{Targets: []target.Target{tg}, Priorities: []transport.Priority{transport.Info}, Pool: "workers", Prefetch: 32, MaxDeliveries: 10}
	tally := &rebalanceTally{handled: map[string]int{}}

	a := startMember(t, c, cfg, tally)
	sendDone := make(chan error, 1)
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for i := range n {
			<-tick.C
			if err := sender.Send(t.Context(), tg, transport.Info, transporttest.NewMessage("rb", i)); err != nil {
				sendDone <- fmt.Errorf("send %d: %w", i, err)
				return
			}
		}
		sendDone <- nil
	}()
	waitHandled := func(k int) {
		t.Helper()
		ctx := testutil.Within(t, 60*time.Second)
		for tally.unique() < k {
			select {
			case <-ctx.Done():
				require.FailNow(t, "stalled", "%d of %d handled", tally.unique(), k)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}

	waitHandled(300)
	b := startMember(t, c, cfg, tally)
	waitHandled(800)
	killMe := startMember(t, c, cfg, tally)
	waitHandled(1300)
	b.stop()
	b.done.Wait()
	require.NoError(t, b.l.Close(), "remove a member")
	waitHandled(1800)
	dupsBeforeKill := tally.duplicates()
	killMe.stop()
	kafka.Kill(killMe.l)
	killMe.done.Wait()
	require.NoError(t, <-sendDone)
	waitHandled(n)
	time.Sleep(500 * time.Millisecond) // pacing: let stray redeliveries show up in the counts
	a.stop()
	a.done.Wait()

	tally.mu.Lock()
	defer tally.mu.Unlock()
	lost := n - len(tally.handled)
	dups := 0
	for _, c := range tally.handled {
		dups += c - 1
	}
	t.Logf("sent %d; handled %d distinct; lost %d; duplicates %d before the kill, %d in all; requeued %d; settles refused %d",
		n, len(tally.handled), lost, dupsBeforeKill, dups, tally.requeued, tally.refused)
	assert.Zero(t, lost, "nothing is lost")
	assert.Zero(t, dupsBeforeKill, "adding and removing members duplicates nothing")
}
