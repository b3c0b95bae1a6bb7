package notify_test

// Replications of oslo.messaging's tests/notify/test_listener.py, by name,
// on the memory driver (oslo runs them on its fake driver with
// allow_requeue=True).

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/executor"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

var allowRequeue = notify.WithRequeue(notify.RequeuePolicy{Allow: true})

func TestConstructor(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{}
	l, err := notify.NewListener(tr, []target.Target{{Topic: "foo"}}, []any{ep}, allowRequeue)
	require.NoError(t, err)
	assert.Equal(t, []transport.Priority{transport.Info}, l.Priorities(), "subscribes to what the endpoints implement")
}

func TestNoTargetTopic(t *testing.T) {
	tr := newTransport(t)
	_, err := notify.NewListener(tr, []target.Target{{}}, []any{&recorder{}})
	require.ErrorIs(t, err, target.ErrInvalidTarget)
	assert.Contains(t, err.Error(), "a target must have topic specified")
}

func TestUnknownExecutor(t *testing.T) {
	_, err := executor.ByName("foo", 4)
	var le *executor.LoadError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "foo", le.Executor)
	assert.ErrorIs(t, err, executor.ErrUnknownExecutor)
}

func TestOneTopic(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{}
	l, err := notify.NewListener(tr, []target.Target{{Topic: "testtopic"}}, []any{ep}, allowRequeue)
	require.NoError(t, err)
	start(t, l)

	id := send(t, tr, target.Target{Topic: "testtopic"}, transport.Info, map[string]any{"ctxt": "1"}, "an_event.start", "test message")
	eventually(t, func() bool { return ep.count() == 1 }, "info called once")
	quiet(t, func() bool { return ep.count() > 1 }, "info called more than once")

	c := ep.calls()[0]
	assert.Equal(t, map[string]any{"ctxt": "1"}, c.Context)
	assert.Equal(t, "testpublisher", c.PublisherID)
	assert.Equal(t, "an_event.start", c.EventType)
	assert.Equal(t, "test message", c.Payload)
	assert.Equal(t, id, c.MessageID)
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$`, c.Timestamp)
	assert.Equal(t, 1, c.Deliveries)
}

func TestTwoTopics(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{}
	targets := []target.Target{{Topic: "topic1"}, {Topic: "topic2"}}
	l, err := notify.NewListener(tr, targets, []any{ep}, allowRequeue)
	require.NoError(t, err)
	start(t, l)

	send(t, tr, targets[0], transport.Info, map[string]any{"ctxt": "1"}, "an_event.start1", "test")
	send(t, tr, targets[1], transport.Info, map[string]any{"ctxt": "2"}, "an_event.start2", "test")
	eventually(t, func() bool { return ep.count() == 2 }, "both topics delivered")
	events := []string{ep.calls()[0].EventType, ep.calls()[1].EventType}
	sort.Strings(events)
	assert.Equal(t, []string{"an_event.start1", "an_event.start2"}, events)
}

func TestTwoExchanges(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{}
	targets := []target.Target{{Exchange: "exchange1", Topic: "topic"}, {Exchange: "exchange2", Topic: "topic"}}
	l, err := notify.NewListener(tr, targets, []any{ep}, allowRequeue)
	require.NoError(t, err)
	start(t, l)

	send(t, tr, target.Target{Topic: "topic"}, transport.Info, nil, "an_event.start_default", "test") // default exchange: not listened to
	send(t, tr, targets[0], transport.Info, nil, "an_event.start1", "test")
	send(t, tr, targets[1], transport.Info, nil, "an_event.start2", "test")
	eventually(t, func() bool { return ep.count() == 2 }, "both exchanges delivered")
	quiet(t, func() bool { return ep.count() > 2 }, "the default exchange's notification arrived")
	for _, c := range ep.calls() {
		assert.NotEqual(t, "an_event.start_default", c.EventType)
	}
}

// handledEndpoint returns Handled explicitly; recorder returns the zero
// Result, which is Handled too (oslo: None counts as handled).
type handledEndpoint struct{ recorder }

func TestTwoEndpoints(t *testing.T) {
	tr := newTransport(t)
	ep1, ep2 := &recorder{name: "ep1"}, &handledEndpoint{recorder{name: "ep2"}}
	l, err := notify.NewListener(tr, []target.Target{{Topic: "topic"}}, []any{ep1, ep2}, allowRequeue)
	require.NoError(t, err)
	start(t, l)

	send(t, tr, target.Target{Topic: "topic"}, transport.Info, nil, "an_event.start", "test")
	eventually(t, func() bool { return ep1.count() == 1 && ep2.count() == 1 }, "both endpoints called once")
	quiet(t, func() bool { return ep1.count() > 1 || ep2.count() > 1 }, "an endpoint was called twice")
}

func TestRequeue(t *testing.T) {
	tr := newTransport(t)
	ep := &recorder{next: []dispatcher.Result{dispatcher.Requeue}}
	l, err := notify.NewListener(tr, []target.Target{{Topic: "topic"}}, []any{ep}, allowRequeue)
	require.NoError(t, err)
	start(t, l)

	send(t, tr, target.Target{Topic: "topic"}, transport.Info, nil, "an_event.start", "test")
	eventually(t, func() bool { return ep.count() == 2 }, "requeued notification redelivered")
	quiet(t, func() bool { return ep.count() > 2 }, "handled notification redelivered")
	calls := ep.calls()
	assert.Equal(t, calls[0].MessageID, calls[1].MessageID)
	assert.Equal(t, []int{1, 2}, []int{calls[0].Deliveries, calls[1].Deliveries}, "the delivery count rises")
}

func TestTwoPools(t *testing.T) {
	tr := newTransport(t)
	ep1, ep2 := &recorder{}, &recorder{}
	targets := []target.Target{{Topic: "topic"}}
	l1, err := notify.NewListener(tr, targets, []any{ep1}, allowRequeue, notify.WithPool("pool1"))
	require.NoError(t, err)
	l2, err := notify.NewListener(tr, targets, []any{ep2}, allowRequeue, notify.WithPool("pool2"))
	require.NoError(t, err)
	start(t, l1)
	start(t, l2)

	send(t, tr, targets[0], transport.Info, nil, "an_event.start", "test message0")
	send(t, tr, targets[0], transport.Info, nil, "an_event.start", "test message1")
	eventually(t, func() bool { return ep1.count() == 2 && ep2.count() == 2 }, "each pool got both")
	quiet(t, func() bool { return ep1.count() > 2 || ep2.count() > 2 }, "a pool got a duplicate")
}

// TestTwoPoolsThreeListener: pool1 has one listener, pool2 two that are
// stopped and restarted in turn (restarting the same Listener object).
// pool1 gets all 100 in order; pool2 gets each exactly once between its two
// members, and what is sent while one member is down goes to the other.
func TestTwoPoolsThreeListener(t *testing.T) {
	tr := newTransport(t)
	ep1, ep2, ep3 := &recorder{}, &recorder{}, &recorder{}
	targets := []target.Target{{Topic: "topic"}}
	mk := func(ep *recorder, pool string) *notify.Listener {
		l, err := notify.NewListener(tr, targets, []any{ep}, allowRequeue, notify.WithPool(pool), notify.WithExecutor(executor.Blocking()))
		require.NoError(t, err)
		return l
	}
	l1, l2, l3 := mk(ep1, "pool1"), mk(ep2, "pool2"), mk(ep3, "pool2")
	start(t, l1)
	require.NoError(t, l2.Start(t.Context()))
	start(t, l3)

	pool2 := func() int { return ep2.count() + ep3.count() }
	sendRange := func(from, to int) {
		for i := from; i < to; i++ {
			send(t, tr, targets[0], transport.Info, map[string]any{"ctxt": fmt.Sprint(i)}, "an_event.start", fmt.Sprintf("test message%d", i))
		}
	}
	stopWait := func(l *notify.Listener) {
		l.Stop()
		ctx, cancel := context.WithTimeout(t.Context(), waitFor)
		defer cancel()
		require.NoError(t, l.Wait(ctx))
	}

	sendRange(0, 25)
	eventually(t, func() bool { return pool2() == 25 }, "pool2 got the first 25")
	stopWait(l2)
	c2 := ep2.count()
	sendRange(25, 50)
	eventually(t, func() bool { return pool2() == 50 }, "pool2 got 50")
	assert.Equal(t, c2, ep2.count(), "a stopped listener received notifications")

	require.NoError(t, l2.Start(t.Context())) // restart the same object
	// Not t.Context(): it is already canceled when cleanups run.
	t.Cleanup(func() { l2.Stop(); _ = l2.Wait(context.Background()) })
	stopWait(l3)
	c3 := ep3.count()
	sendRange(50, 75)
	eventually(t, func() bool { return pool2() == 75 }, "pool2 got 75")
	assert.Equal(t, c3, ep3.count(), "a stopped listener received notifications")

	require.NoError(t, l3.Start(t.Context()))
	sendRange(75, 100)
	eventually(t, func() bool { return ep1.count() == 100 && pool2() == 100 }, "pool1 and pool2 got all 100")
	quiet(t, func() bool { return ep1.count() > 100 || pool2() > 100 }, "a duplicate arrived")

	var want []string
	for i := range 100 {
		want = append(want, fmt.Sprintf("test message%d", i))
	}
	var got1, got2 []string
	for _, c := range ep1.calls() {
		got1 = append(got1, c.Payload.(string))
	}
	for _, c := range append(ep2.calls(), ep3.calls()...) {
		got2 = append(got2, c.Payload.(string))
	}
	assert.Equal(t, want, got1, "pool1 received every notification in order")
	sort.Strings(want)
	sort.Strings(got2)
	assert.Equal(t, want, got2, "pool2 received every notification exactly once")
	assert.Positive(t, ep2.count())
	assert.Positive(t, ep3.count())
}

// batchRecorder records the batches its Info receives.
type batchRecorder struct {
	mu      sync.Mutex
	batches [][]*dispatcher.Notification
	panicAt int // panic on this batch number (1-based); 0 never
}

func (b *batchRecorder) Info(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	b.mu.Lock()
	b.batches = append(b.batches, ns)
	n := len(b.batches)
	b.mu.Unlock()
	if n == b.panicAt {
		panic(errors.New("boom"))
	}
	return dispatcher.Handled
}

func (b *batchRecorder) sizes() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	var s []int
	for _, batch := range b.batches {
		s = append(s, len(batch))
	}
	return s
}

func (b *batchRecorder) total() int {
	n := 0
	for _, s := range b.sizes() {
		n += s
	}
	return n
}

func TestBatchTimeout(t *testing.T) {
	tr := newTransport(t)
	ep := &batchRecorder{}
	tgt := target.Target{Topic: "topic"}
	l, err := notify.NewBatchListener(tr, []target.Target{tgt}, []any{ep}, 5, time.Second, allowRequeue, notify.WithExecutor(executor.Blocking()))
	require.NoError(t, err)
	for i := range 12 {
		send(t, tr, tgt, transport.Info, map[string]any{"ctxt": "1"}, "an_event.start", fmt.Sprintf("test message%d", i))
	}
	start(t, l)
	eventually(t, func() bool { return ep.total() == 12 }, "all 12 delivered")
	assert.Equal(t, []int{5, 5, 2}, ep.sizes())
	n := ep.batches[0][0]
	assert.Equal(t, "testpublisher", n.PublisherID)
	assert.Equal(t, "an_event.start", n.EventType)
	assert.Equal(t, map[string]any{"ctxt": "1"}, n.Context)
	assert.NotEmpty(t, n.Metadata.MessageID)
	assert.NotEmpty(t, n.Metadata.Timestamp)
}

func TestBatchSize(t *testing.T) {
	tr := newTransport(t)
	ep := &batchRecorder{}
	tgt := target.Target{Topic: "topic"}
	l, err := notify.NewBatchListener(tr, []target.Target{tgt}, []any{ep}, 5, 0, allowRequeue, notify.WithExecutor(executor.Blocking()))
	require.NoError(t, err)
	start(t, l)
	for i := range 10 {
		send(t, tr, tgt, transport.Info, nil, "an_event.start", fmt.Sprintf("test message%d", i))
	}
	eventually(t, func() bool { return ep.total() == 10 }, "all 10 delivered")
	assert.Equal(t, []int{5, 5}, ep.sizes())
}

func TestBatchSizeExceptionPath(t *testing.T) {
	tr := newTransport(t)
	ep := &batchRecorder{panicAt: 2}
	tgt := target.Target{Topic: "topic"}
	l, err := notify.NewBatchListener(tr, []target.Target{tgt}, []any{ep}, 5, 0, notify.WithExecutor(executor.Blocking()))
	require.NoError(t, err)
	start(t, l)
	for i := range 10 {
		send(t, tr, tgt, transport.Info, nil, "an_event.start", fmt.Sprintf("test message%d", i))
	}
	eventually(t, func() bool { return ep.total() == 10 }, "both batches delivered")
	assert.Equal(t, []int{5, 5}, ep.sizes(), "the first batch was delivered whole before the second panicked")
}
