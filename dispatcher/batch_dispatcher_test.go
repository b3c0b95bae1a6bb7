package dispatcher_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/dispatcher"
)

// batch returns notifications with the given priorities; each one's
// event type is "<priority>.<index>" so tests can tell them apart.
func batch(ps ...dispatcher.Priority) []*dispatcher.Notification {
	ns := make([]*dispatcher.Notification, len(ps))
	for i, p := range ps {
		ns[i] = notification(p)
		ns[i].EventType = string(p) + "." + string(rune('a'+i))
	}
	return ns
}

func pick(ns []*dispatcher.Notification, idx ...int) []*dispatcher.Notification {
	out := make([]*dispatcher.Notification, len(idx))
	for i, j := range idx {
		out[i] = ns[j]
	}
	return out
}

func TestBatchDispatcherGroupsByPriority(t *testing.T) {
	log := &callLog{}
	d, err := dispatcher.NewBatch([]any{batchEP{fake: &fake{id: "all", log: log}}})
	require.NoError(t, err)
	ns := batch(dispatcher.Info, dispatcher.Error, dispatcher.Audit, dispatcher.Info,
		dispatcher.Warn, dispatcher.Critical, dispatcher.Sample, dispatcher.Debug, dispatcher.Info)

	outs := d.Dispatch(t.Context(), ns)

	require.Len(t, outs, len(ns))
	for i, out := range outs {
		assert.Equal(t, dispatcher.ActionHandled, out.Result.Action(), i)
		assert.Empty(t, out.Endpoint)
	}
	// Alphabetical order of priorities, arrival order within one.
	assert.Equal(t, []called{
		{ep: "all", method: "audit", ns: pick(ns, 2)},
		{ep: "all", method: "critical", ns: pick(ns, 5)},
		{ep: "all", method: "debug", ns: pick(ns, 7)},
		{ep: "all", method: "error", ns: pick(ns, 1)},
		{ep: "all", method: "info", ns: pick(ns, 0, 3, 8)},
		{ep: "all", method: "sample", ns: pick(ns, 6)},
		{ep: "all", method: "warn", ns: pick(ns, 4)},
	}, log.all())
}

func TestBatchDispatcherRequeueMarksPriorityGroup(t *testing.T) {
	log := &callLog{}
	byPrefix := func(p string) *dispatcher.Filter {
		return mustFilter(dispatcher.FilterSpec{EventType: p})
	}
	d, err := dispatcher.NewBatch([]any{
		batchEP{fake: &fake{id: "handles a", log: log}, filter: byPrefix(`info\.[ae]`)},
		batchEP{fake: &fake{id: "requeues c", log: log, ret: dispatcher.Requeue}, filter: byPrefix(`info\.c`)},
		batchEP{fake: &fake{id: "last", log: log}},
	})
	require.NoError(t, err)
	ns := batch(dispatcher.Info, dispatcher.Error, dispatcher.Info, dispatcher.Info, dispatcher.Info)
	// event types: info.a, error.b, info.c, info.d, info.e

	outs := d.Dispatch(t.Context(), ns)

	// error.b passes only the last endpoint's filter; in the info group the
	// endpoint after the requeue is not called.
	assert.Equal(t, []called{
		{ep: "last", method: "error", ns: pick(ns, 1)},
		{ep: "handles a", method: "info", ns: pick(ns, 0, 4)},
		{ep: "requeues c", method: "info", ns: pick(ns, 2)},
	}, log.all())

	for _, i := range []int{0, 2, 3, 4} {
		assert.Equal(t, dispatcher.ActionRequeue, outs[i].Result.Action(),
			"%s: the whole info group is requeued, handled and filtered-out ones too", ns[i].EventType)
		assert.Equal(t, "requeues c", outs[i].Endpoint)
	}
	assert.Equal(t, dispatcher.ActionHandled, outs[1].Result.Action(), "other groups are not affected")
	assert.Empty(t, outs[1].Endpoint)
}

func TestBatchDispatcherSkipsEndpointWhenFilterLeavesNothing(t *testing.T) {
	log := &callLog{}
	d, err := dispatcher.NewBatch([]any{
		batchEP{fake: &fake{id: "none", log: log, ret: dispatcher.Requeue}, filter: mustFilter(dispatcher.FilterSpec{PublisherID: "^network"})},
		batchEP{fake: &fake{id: "all", log: log}},
	})
	require.NoError(t, err)
	ns := batch(dispatcher.Info, dispatcher.Info)

	outs := d.Dispatch(t.Context(), ns)

	assert.Equal(t, []called{{ep: "all", method: "info", ns: ns}}, log.all())
	for _, out := range outs {
		assert.Equal(t, dispatcher.ActionHandled, out.Result.Action())
	}
}

func TestBatchDispatcherUnknownPriority(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	log := &callLog{}
	d, err := dispatcher.NewBatch([]any{batchEP{fake: &fake{id: "all", log: log, ret: dispatcher.Requeue}}},
		dispatcher.WithLogger(zap.New(core)))
	require.NoError(t, err)
	ns := batch("what???", dispatcher.Info, "what???", "")

	outs := d.Dispatch(t.Context(), ns)

	for _, i := range []int{0, 2, 3} {
		assert.Equal(t, dispatcher.ActionHandled, outs[i].Result.Action(), "unknown priorities are acked")
		assert.Empty(t, outs[i].Endpoint)
	}
	assert.Equal(t, dispatcher.ActionRequeue, outs[1].Result.Action())
	assert.Equal(t, []called{{ep: "all", method: "info", ns: pick(ns, 1)}}, log.all())

	var msgs []string
	for _, e := range logs.All() {
		assert.Equal(t, zapcore.WarnLevel, e.Level)
		msgs = append(msgs, e.Message)
	}
	assert.Equal(t, []string{`Unknown priority ""`, `Unknown priority "what???"`, `Unknown priority "what???"`}, msgs,
		"one warning per message")
}

func TestBatchDispatcherPanic(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	log := &callLog{}
	var mu sync.Mutex
	var calls []dispatcher.Call
	d, err := dispatcher.NewBatch([]any{
		batchInfoEP{&fake{id: "panics", log: log, panicWith: "boom"}},
		batchEP{fake: &fake{id: "all", log: log}},
	}, dispatcher.WithLogger(zap.New(core)), dispatcher.WithObserver(func(c dispatcher.Call) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, c)
	}))
	require.NoError(t, err)
	ns := batch(dispatcher.Info, dispatcher.Error, dispatcher.Info)

	outs := d.Dispatch(t.Context(), ns)

	for _, i := range []int{0, 2} {
		assert.Equal(t, dispatcher.ActionRequeue, outs[i].Result.Action())
		assert.Equal(t, "dispatcher_test.batchInfoEP", outs[i].Endpoint)
		assert.ErrorIs(t, outs[i].Result.Err(), dispatcher.ErrPanic)
		assert.EqualError(t, outs[i].Result.Err(), "endpoint dispatcher_test.batchInfoEP panicked: boom")
	}
	assert.Equal(t, dispatcher.ActionHandled, outs[1].Result.Action())
	assert.Equal(t, []called{
		{ep: "all", method: "error", ns: pick(ns, 1)},
		{ep: "panics", method: "info", ns: pick(ns, 0, 2)},
	}, log.all(), "the endpoint after the panic is not called for info")

	require.Equal(t, 1, logs.Len())
	assert.Equal(t, zapcore.ErrorLevel, logs.All()[0].Level)
	assert.Contains(t, logs.All()[0].ContextMap()["stack"], "dispatcher_test.(*fake).rec")

	require.Len(t, calls, 2)
	assert.Equal(t, dispatcher.Call{Endpoint: "all", Priority: dispatcher.Error, Result: dispatcher.Handled,
		Duration: calls[0].Duration, Notifications: 1}, calls[0])
	assert.Equal(t, "dispatcher_test.batchInfoEP", calls[1].Endpoint)
	assert.True(t, calls[1].Panicked)
	assert.Equal(t, 2, calls[1].Notifications)
}

func TestBatchDispatcherEmpty(t *testing.T) {
	d, err := dispatcher.NewBatch(nil)
	require.NoError(t, err)
	assert.Empty(t, d.Dispatch(t.Context(), nil))
	assert.Empty(t, d.Priorities())

	outs := d.Dispatch(t.Context(), batch(dispatcher.Info, dispatcher.Error))
	require.Len(t, outs, 2)
	assert.Equal(t, dispatcher.ActionHandled, outs[0].Result.Action())
	assert.Equal(t, dispatcher.ActionHandled, outs[1].Result.Action())
}

func TestBatchDispatcherPriorities(t *testing.T) {
	d, err := dispatcher.NewBatch([]any{batchInfoEP{&fake{}}})
	require.NoError(t, err)
	assert.Equal(t, []dispatcher.Priority{dispatcher.Info}, d.Priorities())

	d, err = dispatcher.NewBatch([]any{batchInfoEP{&fake{}}, batchEP{fake: &fake{}}})
	require.NoError(t, err)
	assert.Equal(t, []dispatcher.Priority{dispatcher.Audit, dispatcher.Debug, dispatcher.Info,
		dispatcher.Warn, dispatcher.Error, dispatcher.Critical, dispatcher.Sample}, d.Priorities(), "oslo order")
}

func TestNewBatchRejectsSingleForms(t *testing.T) {
	d, err := dispatcher.NewBatch([]any{batchInfoEP{&fake{}}, infoEP{&fake{}}})
	assert.Nil(t, d)
	require.ErrorIs(t, err, dispatcher.ErrNoHandler)
	assert.Contains(t, err.Error(), "endpoint 1 (dispatcher_test.infoEP)")
	assert.Contains(t, err.Error(), "use a listener, not a batch listener")

	_, err = dispatcher.NewBatch([]any{nil})
	require.ErrorIs(t, err, dispatcher.ErrNoHandler)
	_, err = dispatcher.NewBatch([]any{struct{}{}})
	require.ErrorIs(t, err, dispatcher.ErrNoHandler)
}

func TestNewRejectsBatchForms(t *testing.T) {
	d, err := dispatcher.New([]any{infoEP{&fake{}}, batchEP{fake: &fake{}}})
	assert.Nil(t, d)
	require.ErrorIs(t, err, dispatcher.ErrNoHandler)
	assert.Contains(t, err.Error(), "endpoint 1 (dispatcher_test.batchEP)")
	assert.Contains(t, err.Error(), "use a batch listener")
}

func TestBatchDispatcherGivesFreshSlices(t *testing.T) {
	var got [][]*dispatcher.Notification
	log := &callLog{}
	d, err := dispatcher.NewBatch([]any{batchEP{fake: &fake{id: "a", log: log}}})
	require.NoError(t, err)
	ns := batch(dispatcher.Info, dispatcher.Info)
	d.Dispatch(t.Context(), ns)
	for _, c := range log.all() {
		got = append(got, c.ns)
	}
	require.Len(t, got, 1)
	ns[0] = nil
	assert.NotNil(t, got[0][0], "the endpoint's slice is not the caller's")
}
