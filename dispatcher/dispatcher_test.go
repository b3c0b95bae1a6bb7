package dispatcher_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/transport"
)

// TestDispatcher replicates oslo's test_dispatcher.py::TestDispatcher.
func TestDispatcher(t *testing.T) {
	type want struct {
		ep     int
		method string
	}
	scenarios := []struct {
		name      string
		endpoints []string // method sets, as oslo's scenarios list them
		priority  dispatcher.Priority
		ret       dispatcher.Result
		panicWith any
		action    dispatcher.Action
		calls     []want
	}{
		{name: "no_endpoints", priority: dispatcher.Info, action: dispatcher.ActionHandled},
		{
			name: "one_endpoints", endpoints: []string{"warn"}, priority: dispatcher.Warn,
			ret: dispatcher.Handled, action: dispatcher.ActionHandled,
			calls: []want{{0, "warn"}},
		},
		{
			name: "two_endpoints_only_one_match", endpoints: []string{"warn", "info"}, priority: dispatcher.Info,
			ret: dispatcher.Handled, action: dispatcher.ActionHandled,
			calls: []want{{1, "info"}},
		},
		{
			name: "two_endpoints_both_match", endpoints: []string{"debug,info", "info,debug"}, priority: dispatcher.Debug,
			ret: dispatcher.Handled, action: dispatcher.ActionHandled,
			calls: []want{{0, "debug"}, {1, "debug"}},
		},
		{
			// oslo: the endpoint returns None. Go: the zero Result, which
			// is Handled.
			name: "no_return_value", endpoints: []string{"warn"}, priority: dispatcher.Warn,
			ret: dispatcher.Result{}, action: dispatcher.ActionHandled,
			calls: []want{{0, "warn"}},
		},
		{
			name: "requeue", endpoints: []string{"debug,warn"}, priority: dispatcher.Debug,
			ret: dispatcher.Requeue, action: dispatcher.ActionRequeue,
			calls: []want{{0, "debug"}},
		},
		{
			// oslo: the endpoint raises. Go: it panics.
			name: "exception", endpoints: []string{"debug,warn"}, priority: dispatcher.Debug,
			panicWith: "boom", action: dispatcher.ActionRequeue,
			calls: []want{{0, "debug"}},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			log := &callLog{}
			var endpoints []any
			var names []string
			for i, methods := range sc.endpoints {
				f := &fake{id: fmt.Sprint(i), log: log, ret: sc.ret, panicWith: sc.panicWith}
				var ep any
				switch methods {
				case "warn":
					ep = warnEP{f}
				case "info":
					ep = infoEP{f}
				case "debug,info", "info,debug":
					ep = debugInfoEP{f}
				case "debug,warn":
					ep = debugWarnEP{f}
				default:
					t.Fatalf("no endpoint type for %q", methods)
				}
				endpoints = append(endpoints, ep)
				names = append(names, fmt.Sprintf("%T", ep))
			}
			d, err := dispatcher.New(endpoints)
			require.NoError(t, err)

			n := notification(sc.priority)
			out := d.Dispatch(t.Context(), n)

			assert.Equal(t, sc.action, out.Result.Action(), "result")
			var wantCalls []called
			for _, c := range sc.calls {
				wantCalls = append(wantCalls, called{ep: fmt.Sprint(c.ep), method: c.method, ns: []*dispatcher.Notification{n}})
			}
			assert.Equal(t, wantCalls, log.all(), "endpoint calls")
			for _, c := range log.all() {
				assert.Same(t, n, c.ns[0], "endpoints get the notification itself")
			}
			if sc.action == dispatcher.ActionHandled {
				assert.Empty(t, out.Endpoint)
				assert.NoError(t, out.Result.Err())
				return
			}
			last := sc.calls[len(sc.calls)-1].ep
			assert.Equal(t, names[last], out.Endpoint, "the outcome names the endpoint that requeued")
			if sc.panicWith != nil {
				var pe *dispatcher.PanicError
				require.ErrorAs(t, out.Result.Err(), &pe)
				assert.ErrorIs(t, out.Result.Err(), dispatcher.ErrPanic)
				assert.Equal(t, "endpoint "+names[last]+" panicked: boom", out.Result.Err().Error())
				assert.Equal(t, sc.panicWith, pe.Value)
				assert.Equal(t, sc.priority, pe.Priority)
			}
		})
	}
}

// TestDispatcherUnknownPrio replicates oslo's
// test_dispatcher.py::test_dispatcher_unknown_prio.
func TestDispatcherUnknownPrio(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	log := &callLog{}
	d, err := dispatcher.New([]any{warnEP{&fake{id: "0", log: log}}}, dispatcher.WithLogger(zap.New(core)))
	require.NoError(t, err)

	out := d.Dispatch(t.Context(), notification("what???"))

	assert.Equal(t, dispatcher.ActionHandled, out.Result.Action())
	assert.Empty(t, out.Endpoint)
	assert.Empty(t, log.all(), "no endpoint is called")
	require.Equal(t, 1, logs.Len(), "exactly one log entry")
	entry := logs.All()[0]
	assert.Equal(t, zapcore.WarnLevel, entry.Level)
	assert.Equal(t, `Unknown priority "what???"`, entry.Message)
	assert.Equal(t, "what???", entry.ContextMap()["priority"])
	assert.Equal(t, "99863dda-97f0-443a-a0c1-6ed317b7fd45", entry.ContextMap()["message_id"])
}

func TestDispatcherMissingPriority(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	d, err := dispatcher.New(nil, dispatcher.WithLogger(zap.New(core)))
	require.NoError(t, err)

	out := d.Dispatch(t.Context(), notification(""))

	assert.Equal(t, dispatcher.ActionHandled, out.Result.Action())
	require.Equal(t, 1, logs.Len())
	assert.Equal(t, `Unknown priority ""`, logs.All()[0].Message)
}

func TestDispatcherKnownPriorityWithoutEndpoint(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	log := &callLog{}
	d, err := dispatcher.New([]any{warnEP{&fake{id: "0", log: log}}}, dispatcher.WithLogger(zap.New(core)))
	require.NoError(t, err)

	for _, p := range transport.Priorities() {
		if p == dispatcher.Warn {
			continue
		}
		out := d.Dispatch(t.Context(), notification(p))
		assert.Equal(t, dispatcher.ActionHandled, out.Result.Action(), p)
	}
	assert.Empty(t, log.all())
	assert.Zero(t, logs.Len(), "a known priority without endpoints is acked silently")
}

func TestDispatcherPanic(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	log := &callLog{}
	kaboom := errors.New("kaboom")
	first := infoEP{&fake{id: "first", log: log, panicWith: kaboom}}
	second := filteredInfoEP{fake: &fake{id: "second", log: log}}
	d, err := dispatcher.New([]any{first, second}, dispatcher.WithLogger(zap.New(core)))
	require.NoError(t, err)

	out := d.Dispatch(t.Context(), notification(dispatcher.Info))

	assert.Equal(t, dispatcher.ActionRequeue, out.Result.Action())
	assert.Equal(t, "dispatcher_test.infoEP", out.Endpoint)
	assert.ErrorIs(t, out.Result.Err(), dispatcher.ErrPanic)
	var pe *dispatcher.PanicError
	require.ErrorAs(t, out.Result.Err(), &pe)
	assert.Equal(t, "endpoint dispatcher_test.infoEP panicked: kaboom", pe.Error())
	assert.ErrorIs(t, out.Result.Err(), kaboom, "a panic with an error wraps it")
	assert.Contains(t, string(pe.Stack), "dispatcher_test.(*fake).rec", "the stack shows where it panicked")

	assert.Equal(t, []string{"first"}, ids(log.all()), "later endpoints are not called")

	require.Equal(t, 1, logs.Len())
	entry := logs.All()[0]
	assert.Equal(t, zapcore.ErrorLevel, entry.Level)
	fields := entry.ContextMap()
	assert.Equal(t, "dispatcher_test.infoEP", fields["endpoint"])
	assert.Equal(t, "kaboom", fields["panic"])
	assert.Contains(t, fields["stack"], "dispatcher_test.(*fake).rec")
}

func TestDispatcherPanicNil(t *testing.T) {
	d, err := dispatcher.New([]any{infoEP{&fake{id: "0", log: &callLog{}, panicWith: nilPanic{}}}})
	require.NoError(t, err)
	out := d.Dispatch(t.Context(), notification(dispatcher.Info))
	assert.Equal(t, dispatcher.ActionRequeue, out.Result.Action())
}

// nilPanic makes fake panic(nil), which Go 1.21+ turns into a
// *runtime.PanicNilError.
type nilPanic struct{}

func TestDispatcherRejectStops(t *testing.T) {
	log := &callLog{}
	cause := errors.New("schema error")
	d, err := dispatcher.New([]any{
		filteredInfoEP{fake: &fake{id: "a", log: log}},
		filteredInfoEP{fake: &fake{id: "b", log: log, ret: dispatcher.Reject(cause)}},
		filteredInfoEP{fake: &fake{id: "c", log: log}},
	})
	require.NoError(t, err)

	out := d.Dispatch(t.Context(), notification(dispatcher.Info))

	assert.Equal(t, dispatcher.ActionReject, out.Result.Action())
	assert.Same(t, cause, out.Result.Err())
	assert.Equal(t, "b", out.Endpoint)
	assert.Equal(t, []string{"a", "b"}, ids(log.all()))
}

func TestDispatcherSkipsFilteredEndpoints(t *testing.T) {
	log := &callLog{}
	d, err := dispatcher.New([]any{
		filteredInfoEP{fake: &fake{id: "other", log: log, ret: dispatcher.Requeue},
			filter: mustFilter(dispatcher.FilterSpec{EventType: `^instance\.delete`})},
		filteredInfoEP{fake: &fake{id: "mine", log: log},
			filter: mustFilter(dispatcher.FilterSpec{Payload: map[string]string{"state": "^active$"}})},
		filteredInfoEP{fake: &fake{id: "nil filter", log: log}},
	})
	require.NoError(t, err)

	out := d.Dispatch(t.Context(), notification(dispatcher.Info))

	assert.Equal(t, dispatcher.ActionHandled, out.Result.Action())
	assert.Equal(t, []string{"mine", "nil filter"}, ids(log.all()))
}

func TestDispatcherObserver(t *testing.T) {
	var mu sync.Mutex
	var calls []dispatcher.Call
	obs := func(c dispatcher.Call) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, c)
	}
	log := &callLog{}
	d, err := dispatcher.New([]any{
		filteredInfoEP{fake: &fake{id: "a", log: log}},
		filteredInfoEP{fake: &fake{id: "b", log: log, ret: dispatcher.Requeue}},
		filteredInfoEP{fake: &fake{id: "c", log: log}},
		debugWarnEP{&fake{id: "d", log: log, panicWith: "boom"}},
	}, dispatcher.WithObserver(obs))
	require.NoError(t, err)

	d.Dispatch(t.Context(), notification(dispatcher.Info))
	d.Dispatch(t.Context(), notification(dispatcher.Warn))

	require.Len(t, calls, 3)
	assert.Equal(t, "a", calls[0].Endpoint)
	assert.Equal(t, dispatcher.Info, calls[0].Priority)
	assert.Equal(t, dispatcher.ActionHandled, calls[0].Result.Action())
	assert.False(t, calls[0].Panicked)
	assert.Equal(t, 1, calls[0].Notifications)
	assert.GreaterOrEqual(t, calls[0].Duration, time.Duration(0))

	assert.Equal(t, "b", calls[1].Endpoint)
	assert.Equal(t, dispatcher.ActionRequeue, calls[1].Result.Action())
	assert.False(t, calls[1].Panicked)

	assert.Equal(t, "dispatcher_test.debugWarnEP", calls[2].Endpoint)
	assert.Equal(t, dispatcher.Warn, calls[2].Priority)
	assert.Equal(t, dispatcher.ActionRequeue, calls[2].Result.Action())
	assert.True(t, calls[2].Panicked)
	assert.ErrorIs(t, calls[2].Result.Err(), dispatcher.ErrPanic)
}

func TestDispatcherPriorities(t *testing.T) {
	d, err := dispatcher.New([]any{
		debugWarnEP{&fake{}},
		infoEP{&fake{}},
		warnEP{&fake{}},
	})
	require.NoError(t, err)
	assert.Equal(t, []dispatcher.Priority{dispatcher.Debug, dispatcher.Info, dispatcher.Warn}, d.Priorities())

	got := d.Priorities()
	got[0] = "mutated"
	assert.Equal(t, dispatcher.Debug, d.Priorities()[0], "the slice is a copy")

	empty, err := dispatcher.New(nil)
	require.NoError(t, err)
	assert.Empty(t, empty.Priorities())
}

// named is an endpoint with a configurable Name.
type named struct {
	infoEP
	name string
}

func (n named) Name() string { return n.name }

func TestDispatcherEndpointNames(t *testing.T) {
	log := &callLog{}
	requeue := func(id string) *fake { return &fake{id: id, log: log, ret: dispatcher.Requeue} }
	cases := []struct {
		name      string
		endpoints []any
		want      string
	}{
		{"type name", []any{infoEP{requeue("x")}}, "dispatcher_test.infoEP"},
		{"pointer type name", []any{&infoEP{requeue("x")}}, "*dispatcher_test.infoEP"},
		{"Namer", []any{named{infoEP{requeue("x")}, "audit"}}, "audit"},
		{"empty Name falls back to the type", []any{named{infoEP{requeue("x")}, ""}}, "dispatcher_test.named"},
		{"duplicate type names", []any{warnEP{&fake{log: log}}, infoEP{&fake{log: log}}, infoEP{requeue("x")}}, "dispatcher_test.infoEP#2"},
		{"duplicate Names", []any{named{infoEP{&fake{log: log}}, "a"}, named{infoEP{requeue("x")}, "a"}}, "a#1"},
		{"first of duplicates", []any{named{infoEP{requeue("x")}, "a"}, named{infoEP{&fake{log: log}}, "a"}}, "a#0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := dispatcher.New(c.endpoints)
			require.NoError(t, err)
			out := d.Dispatch(t.Context(), notification(dispatcher.Info))
			assert.Equal(t, c.want, out.Endpoint)
		})
	}
}

// pointerOnly implements Info with a pointer receiver.
type pointerOnly struct{}

func (*pointerOnly) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}

func TestNewRejectsEndpointsWithoutMethods(t *testing.T) {
	cases := []struct {
		name      string
		endpoints []any
		contains  []string
	}{
		{"nothing", []any{infoEP{&fake{}}, struct{}{}}, []string{"endpoint 1 (struct {})", "Info"}},
		{"nil", []any{nil}, []string{"endpoint 0 is nil"}},
		{"batch forms only", []any{batchInfoEP{&fake{}}}, []string{"endpoint 0 (dispatcher_test.batchInfoEP)", "use a batch listener"}},
		{"pointer receivers", []any{pointerOnly{}}, []string{"endpoint 0 (dispatcher_test.pointerOnly)", "pass a *dispatcher_test.pointerOnly"}},
		{"wrong signature", []any{wrongSignature{}}, []string{"endpoint 0 (dispatcher_test.wrongSignature)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := dispatcher.New(c.endpoints)
			assert.Nil(t, d)
			require.ErrorIs(t, err, dispatcher.ErrNoHandler)
			for _, s := range c.contains {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

// wrongSignature has an Info method that is not an endpoint method.
type wrongSignature struct{}

func (wrongSignature) Info(string) {}

func TestDispatcherConcurrent(t *testing.T) {
	log := &callLog{}
	d, err := dispatcher.New([]any{
		filteredInfoEP{fake: &fake{id: "a", log: log},
			filter: mustFilter(dispatcher.FilterSpec{Payload: map[string]string{"state": "^active$"}})},
	})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				d.Dispatch(t.Context(), notification(dispatcher.Info))
			}
		})
	}
	wg.Wait()
	assert.Len(t, log.all(), 400)
}

// allEP implements the seven single-notification methods.
type allEP struct{ *fake }

func (e allEP) Audit(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("audit", n)
}

func (e allEP) Debug(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("debug", n)
}

func (e allEP) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("info", n)
}

func (e allEP) Warn(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("warn", n)
}

func (e allEP) Error(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("error", n)
}

func (e allEP) Critical(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("critical", n)
}

func (e allEP) Sample(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.rec("sample", n)
}

func TestDispatcherEveryPriority(t *testing.T) {
	log := &callLog{}
	d, err := dispatcher.New([]any{allEP{&fake{id: "all", log: log}}})
	require.NoError(t, err)
	assert.Equal(t, transport.Priorities(), d.Priorities())
	var want []called
	for _, p := range transport.Priorities() {
		n := notification(p)
		d.Dispatch(t.Context(), n)
		want = append(want, called{ep: "all", method: string(p), ns: []*dispatcher.Notification{n}})
	}
	assert.Equal(t, want, log.all(), "each priority calls its own method")

	log = &callLog{}
	d, err = dispatcher.New([]any{allEP{&fake{id: "all", log: log}}})
	require.NoError(t, err)
	d.Dispatch(t.Context(), notification("INFO"))
	assert.Empty(t, log.all(), "Dispatch does not fold case: FromOslo does")
}

func TestOptionsNil(t *testing.T) {
	d, err := dispatcher.New([]any{infoEP{&fake{log: &callLog{}, panicWith: "boom"}}},
		nil, dispatcher.WithLogger(nil), dispatcher.WithObserver(nil))
	require.NoError(t, err)
	out := d.Dispatch(t.Context(), notification(dispatcher.Info))
	assert.Equal(t, dispatcher.ActionRequeue, out.Result.Action(), "a nil logger logs nowhere")
	out = d.Dispatch(t.Context(), notification("bogus"))
	assert.Equal(t, dispatcher.ActionHandled, out.Result.Action())
}

func ids(calls []called) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.ep
	}
	return out
}

// allSeven implements every priority and declares two.
type allSeven struct{ declared []dispatcher.Priority }

func (a allSeven) Priorities() []dispatcher.Priority { return a.declared }
func (allSeven) Audit(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}
func (allSeven) Debug(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}
func (allSeven) Info(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}
func (allSeven) Warn(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}
func (allSeven) Error(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}
func (allSeven) Critical(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}
func (allSeven) Sample(context.Context, *dispatcher.Notification) dispatcher.Result {
	return dispatcher.Handled
}

func TestPrioritizer_narrows_bindings(t *testing.T) {
	d, err := dispatcher.New([]any{allSeven{declared: []dispatcher.Priority{dispatcher.Error, dispatcher.Info}}})
	require.NoError(t, err)
	assert.Equal(t, []dispatcher.Priority{dispatcher.Info, dispatcher.Error}, d.Priorities())

	_, err = dispatcher.New([]any{allSeven{}})
	require.ErrorIs(t, err, dispatcher.ErrNoHandler)
	assert.Contains(t, err.Error(), "declares no priorities")
}
