package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
)

var (
	dashedUUID  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	hex32       = regexp.MustCompile(`^[0-9a-f]{32}$`)
	osloTimeFmt = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$`)
)

func newNotifier(t *testing.T, tr transport.Transport, opts ...notify.NotifierOption) *notify.Notifier {
	t.Helper()
	n, err := notify.NewNotifier(tr, opts...)
	require.NoError(t, err)
	return n
}

// TestMessagingNotifier replicates oslo's TestMessagingNotifier matrix:
// driver (v1/v2) × publisher_id (constructor or prepare) × topics × the
// seven priorities × retry (unset, 0, 5), checking what reached the
// transport. A test driver next to the messaging one records the retry
// passed down (oslo asserts it on _send_notification).
func TestMessagingNotifier(t *testing.T) {
	drivers := []struct {
		name    string
		version int
	}{{"messaging", 1}, {"messagingv2", 2}}
	publishers := []string{"ctor", "prepare"}
	topicSets := [][]string{{"topic1"}, {"topic1", "topic2"}}
	retries := []struct {
		name string
		opt  []notify.NotifierOption
		want int
	}{
		{"unset", nil, -1},
		{"0", []notify.NotifierOption{notify.WithRetry(0)}, 0},
		{"5", []notify.NotifierOption{notify.WithRetry(5)}, 5},
	}
	methods := map[transport.Priority]func(*notify.Notifier) func(context.Context, notify.Context, string, any) error{
		transport.Audit:    func(n *notify.Notifier) func(context.Context, notify.Context, string, any) error { return n.Audit },
		transport.Debug:    func(n *notify.Notifier) func(context.Context, notify.Context, string, any) error { return n.Debug },
		transport.Info:     func(n *notify.Notifier) func(context.Context, notify.Context, string, any) error { return n.Info },
		transport.Warn:     func(n *notify.Notifier) func(context.Context, notify.Context, string, any) error { return n.Warn },
		transport.Error:    func(n *notify.Notifier) func(context.Context, notify.Context, string, any) error { return n.Error },
		transport.Critical: func(n *notify.Notifier) func(context.Context, notify.Context, string, any) error { return n.Critical },
		transport.Sample:   func(n *notify.Notifier) func(context.Context, notify.Context, string, any) error { return n.Sample },
	}

	seenMessageIDs := map[string]bool{}
	for _, drv := range drivers {
		for _, pub := range publishers {
			for _, topics := range topicSets {
				for _, prio := range transport.Priorities() {
					for _, rt := range retries {
						name := fmt.Sprintf("%s/%s/topics=%d/%s/retry=%s", drv.name, pub, len(topics), prio, rt.name)
						t.Run(name, func(t *testing.T) {
							tr := &fakeTransport{}
							opts := []notify.NotifierOption{notify.WithDriverNames(drv.name, "test"), notify.WithTopics(topics...)}
							opts = append(opts, rt.opt...)
							var n *notify.Notifier
							if pub == "ctor" {
								n = newNotifier(t, tr, append(opts, notify.WithPublisherID("test.localhost"))...)
							} else {
								n = newNotifier(t, tr, append(opts, notify.WithPublisherID("bogus"))...).
									Prepare(notify.WithPreparePublisherID("test.localhost"))
							}
							assert.True(t, n.Enabled())

							nctx := notify.Context{"user": "bob", "request_id": "req-1"}
							payload := map[string]any{"foo": "bar"}
							require.NoError(t, methods[prio](n)(t.Context(), nctx, "test.notify", payload))

							sent := tr.Sent()
							require.Len(t, sent, len(topics))
							var msgID string
							uniq := map[string]bool{}
							for i, s := range sent {
								assert.Equal(t, target.Target{Exchange: "openstack", Topic: topics[i]}, s.Target)
								assert.Equal(t, prio, s.Priority)
								body := decodeBody(t, s.Msg.Body, drv.version)
								assert.Regexp(t, dashedUUID, body["message_id"])
								if i == 0 {
									msgID = body["message_id"].(string)
								}
								assert.Equal(t, msgID, body["message_id"], "one message_id per call")
								assert.Equal(t, body["_unique_id"], s.Msg.ID, "the broker de-duplication key is the per-send _unique_id")
								assert.Equal(t, "test.localhost", body["publisher_id"])
								assert.Equal(t, "test.notify", body["event_type"])
								assert.Equal(t, prio.Upper(), body["priority"])
								assert.Equal(t, payload, body["payload"])
								assert.Regexp(t, osloTimeFmt, body["timestamp"])
								assert.Regexp(t, hex32, body["_unique_id"])
								uniq[body["_unique_id"].(string)] = true
								assert.Equal(t, "bob", body["_context_user"])
								assert.Equal(t, "req-1", body["_context_request_id"])
								assert.NotContains(t, body, "context")
							}
							assert.Len(t, uniq, len(topics), "one _unique_id per send")
							assert.False(t, seenMessageIDs[msgID], "message_id reused across calls")
							seenMessageIDs[msgID] = true

							recs := n.TestDriver().Notifications()
							require.Len(t, recs, 1)
							assert.Equal(t, rt.want, recs[0].Retry)
							assert.Equal(t, prio, recs[0].Priority)
							assert.Equal(t, nctx, recs[0].Context)
							assert.Equal(t, msgID, recs[0].Message.MessageID)
							assert.JSONEq(t, `{"foo":"bar"}`, string(recs[0].Message.Payload))
						})
					}
				}
			}
		}
	}
}

func TestNotifierDefaults(t *testing.T) {
	tr := &fakeTransport{}
	n := newNotifier(t, tr)
	assert.True(t, n.Enabled())
	assert.Nil(t, n.TestDriver())
	assert.Equal(t, "", n.PublisherID())
	require.NoError(t, n.Info(t.Context(), nil, "compute.instance.create.end", map[string]int{"a": 1}))
	sent := tr.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, target.Target{Exchange: "openstack", Topic: "notifications"}, sent[0].Target)
	body := decodeBody(t, sent[0].Msg.Body, 2) // messagingv2 is hark's default
	assert.Nil(t, body["publisher_id"], "an unset publisher_id is null, as oslo's None")
	assert.Nil(t, sent[0].Msg.Header, "no compression by default")
}

func TestNotifierWarningSendsWarn(t *testing.T) {
	n := newNotifier(t, nil, notify.WithDriverNames("test"))
	require.NoError(t, n.Warning(t.Context(), nil, "x", nil))
	recs := n.TestDriver().Notifications()
	require.Len(t, recs, 1)
	assert.Equal(t, transport.Warn, recs[0].Priority)
	assert.Equal(t, "WARN", recs[0].Message.Priority)
	assert.Equal(t, "null", string(recs[0].Message.Payload))
}

func TestNotifierExchangeAndCompression(t *testing.T) {
	tr := &fakeTransport{}
	n := newNotifier(t, tr, notify.WithExchange("nova"), notify.WithCompression("gzip"))
	require.NoError(t, n.Info(t.Context(), nil, "x", 1))
	sent := tr.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, "nova", sent[0].Target.Exchange)
	assert.Equal(t, oslo.CompressionGzip, sent[0].Msg.Header[oslo.HeaderCompression])
}

func TestNotifierPayload(t *testing.T) {
	ctx := t.Context()
	t.Run("raw JSON is used as is", func(t *testing.T) {
		n := newNotifier(t, nil, notify.WithDriverNames("test"))
		raw := json.RawMessage(`{"b": 2, "a": 1.50}`)
		require.NoError(t, n.Info(ctx, nil, "x", raw))
		require.NoError(t, n.Info(ctx, nil, "x", []byte(`[1,2]`)))
		recs := n.TestDriver().Notifications()
		require.Len(t, recs, 2)
		assert.Equal(t, string(raw), string(recs[0].Message.Payload))
		assert.Equal(t, `[1,2]`, string(recs[1].Message.Payload))
	})
	t.Run("invalid raw JSON is refused", func(t *testing.T) {
		tr := &fakeTransport{}
		n := newNotifier(t, tr)
		err := n.Info(ctx, nil, "compute.bad", json.RawMessage(`{"a":`))
		require.ErrorIs(t, err, notify.ErrInvalidPayload)
		assert.Contains(t, err.Error(), "compute.bad")
		err = n.Info(ctx, nil, "compute.bad", []byte(`not json`))
		require.ErrorIs(t, err, notify.ErrInvalidPayload)
		assert.Empty(t, tr.Attempts(), "nothing is sent")
	})
	t.Run("unmarshalable payload names the event type", func(t *testing.T) {
		n := newNotifier(t, &fakeTransport{})
		err := n.Info(ctx, nil, "compute.chan", make(chan int))
		require.ErrorIs(t, err, notify.ErrInvalidPayload)
		assert.Contains(t, err.Error(), `"compute.chan"`)
	})
	t.Run("NaN and Infinity are sent as oslo's notifier sends them", func(t *testing.T) {
		tr := &fakeTransport{}
		n := newNotifier(t, tr)
		require.NoError(t, n.Info(ctx, notify.Context{"r": math.Inf(1)}, "x", map[string]any{"v": math.NaN(), "w": math.Inf(-1)}))
		require.NoError(t, n.Info(ctx, nil, "x", json.RawMessage(`{"v": NaN}`)))
		sent := tr.Sent()
		require.Len(t, sent, 2)
		for _, s := range sent {
			m, err := oslo.DecodeNotification(s.Msg)
			require.NoError(t, err)
			assert.Contains(t, string(m.Payload), `"v": NaN`)
		}
		m, err := oslo.DecodeNotification(sent[0].Msg)
		require.NoError(t, err)
		assert.Equal(t, `{"v": NaN, "w": -Infinity}`, string(m.Payload))
		assert.Equal(t, json.Number("Infinity"), m.Context["r"])
	})
	t.Run("WithContextKeys orders the context as given", func(t *testing.T) {
		tr := &fakeTransport{}
		n := newNotifier(t, tr)
		nctx := notify.Context{"user_id": "u", "request_id": "r", "b": 1, "a": 2}
		require.NoError(t, n.Notify(ctx, transport.Info, nctx, "x", nil, notify.WithContextKeys("user_id", "request_id", "nope")))
		require.NoError(t, n.Info(ctx, nctx, "x", nil))
		sent := tr.Sent()
		require.Len(t, sent, 2)
		var order [2][]string
		for i, s := range sent {
			m, err := oslo.DecodeNotification(s.Msg)
			require.NoError(t, err)
			order[i] = m.ContextKeys
		}
		assert.Equal(t, []string{"user_id", "request_id", "a", "b"}, order[0], "listed first, the rest sorted")
		assert.Equal(t, []string{"a", "b", "request_id", "user_id"}, order[1], "sorted by default")
	})
	t.Run("invalid priority", func(t *testing.T) {
		n := newNotifier(t, &fakeTransport{})
		err := n.Notify(ctx, transport.Priority("warning"), nil, "x", nil)
		require.ErrorIs(t, err, notify.ErrInvalidPriority)
	})
	t.Run("upper-case priority is accepted", func(t *testing.T) {
		n := newNotifier(t, nil, notify.WithDriverNames("test"))
		require.NoError(t, n.Notify(ctx, transport.Priority("ERROR"), nil, "x", nil))
		assert.Equal(t, transport.Error, n.TestDriver().Notifications()[0].Priority)
	})
}

func TestNotifierPrepare(t *testing.T) {
	base := newNotifier(t, nil, notify.WithDriverNames("test"), notify.WithPublisherID("base"), notify.WithRetry(3))
	sub := base.Prepare(notify.WithPrepareRetry(0))
	subsub := sub.Prepare(notify.WithPreparePublisherID("sub"))
	ctx := t.Context()
	require.NoError(t, base.Info(ctx, nil, "x", nil))
	require.NoError(t, sub.Info(ctx, nil, "x", nil))
	require.NoError(t, subsub.Info(ctx, nil, "x", nil))

	recs := base.TestDriver().Notifications()
	require.Len(t, recs, 3, "sub-notifiers share the drivers")
	assert.Same(t, base.TestDriver(), subsub.TestDriver())
	assert.Equal(t, []string{"base", "base", "sub"}, []string{recs[0].Message.PublisherID, recs[1].Message.PublisherID, recs[2].Message.PublisherID})
	assert.Equal(t, []int{3, 0, 0}, []int{recs[0].Retry, recs[1].Retry, recs[2].Retry})
	assert.Equal(t, "base", base.PublisherID(), "Prepare leaves the base unchanged")
}

func TestNotifierUnknownDriver(t *testing.T) {
	_, err := notify.NewNotifier(&fakeTransport{}, notify.WithDriverNames("messagingv2", "foo"))
	require.ErrorIs(t, err, notify.ErrUnknownDriver)
	assert.Contains(t, err.Error(), `"foo"`)
	assert.Contains(t, err.Error(), "log, messaging, messagingv2, noop, routing, test")
}

func TestNotifierOptionErrors(t *testing.T) {
	tr := &fakeTransport{}
	cases := map[string]struct {
		tr   transport.Transport
		opts []notify.NotifierOption
		want error
	}{
		"no driver names":      {tr, []notify.NotifierOption{notify.WithDriverNames()}, notify.ErrInvalidNotifierOption},
		"no topics":            {tr, []notify.NotifierOption{notify.WithTopics()}, notify.ErrInvalidNotifierOption},
		"bad topic":            {tr, []notify.NotifierOption{notify.WithTopics("a..b")}, target.ErrInvalidTarget},
		"bad exchange":         {tr, []notify.NotifierOption{notify.WithExchange("a.b")}, target.ErrInvalidTarget},
		"bad compression":      {tr, []notify.NotifierOption{notify.WithCompression("snappy")}, notify.ErrInvalidNotifierOption},
		"negative backoff":     {tr, []notify.NotifierOption{notify.WithRetryBackoff(-1, 0, 0)}, notify.ErrInvalidNotifierOption},
		"nil logger":           {tr, []notify.NotifierOption{notify.WithNotifierLogger(nil)}, notify.ErrInvalidNotifierOption},
		"nil custom driver":    {tr, []notify.NotifierOption{notify.WithDriver(nil)}, notify.ErrInvalidNotifierOption},
		"messaging without tr": {nil, nil, notify.ErrInvalidNotifierOption},
		"routing no config":    {tr, []notify.NotifierOption{notify.WithDriverNames("routing")}, notify.ErrInvalidNotifierOption},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			n, err := notify.NewNotifier(c.tr, c.opts...)
			assert.Nil(t, n)
			require.ErrorIs(t, err, c.want)
		})
	}
}

// failingDriver fails every call.
type failingDriver struct{ err error }

func (d failingDriver) Notify(context.Context, *oslo.OsloMessage, transport.Priority, int) error {
	return d.err
}

func TestNotifierReturnsAndLogsDriverErrors(t *testing.T) {
	core, logs := observer.New(zap.ErrorLevel)
	boom := errors.New("boom")
	rec := notify.NewTestDriver()
	n := newNotifier(t, nil,
		notify.WithDriver(failingDriver{boom}),
		notify.WithDriver(rec),
		notify.WithNotifierLogger(zap.New(core)))
	err := n.Info(t.Context(), nil, "compute.x", nil)
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "notify_test.failingDriver")
	assert.Contains(t, err.Error(), `"compute.x"`)
	assert.Len(t, rec.Notifications(), 1, "a failing driver does not stop the next one")
	require.Equal(t, 1, logs.Len())
	assert.Equal(t, "compute.x", logs.All()[0].ContextMap()["event_type"])
	assert.NotContains(t, logs.All()[0].ContextMap(), "payload", "payloads may hold secrets")
}

func TestNotifierCustomDriverOnly(t *testing.T) {
	tr := &fakeTransport{}
	rec := notify.NewTestDriver()
	n := newNotifier(t, tr, notify.WithDriver(rec))
	require.NoError(t, n.Info(t.Context(), nil, "x", nil))
	assert.Len(t, rec.Notifications(), 1)
	assert.Empty(t, tr.Sent(), "a custom driver replaces the default messagingv2")
	assert.Nil(t, n.TestDriver(), "TestDriver reports only WithDriverNames(\"test\")")
}

func TestTestDriverReset(t *testing.T) {
	n := newNotifier(t, nil, notify.WithDriverNames("test", "test"))
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { assert.NoError(t, n.Info(ctx, notify.Context{"i": i}, "x", i)) })
	}
	wg.Wait()
	assert.Len(t, n.TestDriver().Notifications(), 20, "a repeated name loads the driver once")
	n.TestDriver().Reset()
	assert.Empty(t, n.TestDriver().Notifications())
}

// TestNoOpNotifier replicates oslo's TestNoOpNotifier: is_enabled is false
// only when noop is the one driver, and nothing is sent.
func TestNoOpNotifier(t *testing.T) {
	tr := &fakeTransport{}
	n := newNotifier(t, tr, notify.WithDriverNames("noop"))
	assert.False(t, n.Enabled())
	require.NoError(t, n.Info(t.Context(), nil, "x", map[string]string{"a": "b"}))
	assert.Empty(t, tr.Attempts())

	assert.True(t, newNotifier(t, tr, notify.WithDriverNames("noop", "test")).Enabled())
	assert.True(t, newNotifier(t, tr, notify.WithDriverNames("noop"), notify.WithDriver(notify.NewTestDriver())).Enabled())
}
