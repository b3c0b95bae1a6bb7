package kafka_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	_ "github.com/harkmq/hark/transport/kafka"
	"github.com/harkmq/hark/transport/oslo"
)

// oslo's kafka listener cannot read the AMQP layout: a flattened context
// raises KeyError '_context' in unpack_message, after the batch was
// committed, so the records polled with it are lost to that listener. This
// is why hark's notifier writes the kafka layout on Kafka, and why the
// forward endpoint re-encodes a RabbitMQ or NATS body it bridges to Kafka.
func TestInterop_osloListenerFailsOnFlattenedContext(t *testing.T) {
	py := osloPython(t)
	b := newBroker(t)
	b.createTopics(t, 1, allTopics("notifications")...)
	b.startGroupAtZero(t, "oslo_messaging_consumer", 1, allTopics("notifications")...)
	p := startPy(t, py, "oslo_listen.py", "--url", b.url())
	p.next(t, interopWait) // ready
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr))
	require.NoError(t, err)
	defer cl.Close()
	send := func(d transport.Dialect) {
		msg, err := oslo.EncodeNotification(&oslo.OsloMessage{MessageID: oslo.NewMessageID(), UniqueID: oslo.NewUniqueID(), EventType: "e." + d.String(),
			Priority: "INFO", Payload: json.RawMessage(`{}`), Timestamp: "t", Context: map[string]any{"user": "u"}}, oslo.EncodeOptions{Dialect: d})
		require.NoError(t, err)
		require.NoError(t, cl.ProduceSync(t.Context(), &kgo.Record{Topic: "notifications.info", Value: msg.Body}).FirstErr())
	}
	send(transport.DialectAMQP)
	require.Eventually(t, func() bool { return strings.Contains(p.stderr(), "KeyError: '_context'") }, interopWait, 50*time.Millisecond,
		"oslo's kafka listener fails on the flattened context")
	// The listener survives it: the kafka layout is read.
	send(transport.DialectKafka)
	var got struct {
		EventType string         `json:"event_type"`
		Ctxt      map[string]any `json:"ctxt"`
	}
	require.NoError(t, json.Unmarshal(p.next(t, interopWait), &got))
	assert.Equal(t, "e.kafka", got.EventType)
	assert.Equal(t, map[string]any{"user": "u"}, got.Ctxt)
}

// harkEndpoint records every notification it gets, for all seven
// priorities, and reports each message_id as it comes.
type harkEndpoint struct {
	mu   sync.Mutex
	got  []*dispatcher.Notification
	seen chan string
}

func newHarkEndpoint() *harkEndpoint { return &harkEndpoint{seen: make(chan string, 4096)} }

func (e *harkEndpoint) record(n *dispatcher.Notification) dispatcher.Result {
	e.mu.Lock()
	e.got = append(e.got, n)
	e.mu.Unlock()
	e.seen <- n.Metadata.MessageID
	return dispatcher.Handled
}

func (e *harkEndpoint) notifications() []*dispatcher.Notification {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got)
}

func (e *harkEndpoint) Audit(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.record(n)
}
func (e *harkEndpoint) Debug(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.record(n)
}
func (e *harkEndpoint) Info(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.record(n)
}
func (e *harkEndpoint) Warn(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.record(n)
}
func (e *harkEndpoint) Error(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.record(n)
}
func (e *harkEndpoint) Critical(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.record(n)
}
func (e *harkEndpoint) Sample(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return e.record(n)
}

// openKafka opens hark's kafka transport on b, closed at the end of the
// test.
func openKafka(t *testing.T, b *broker) transport.Transport {
	t.Helper()
	tr, err := transport.Open(t.Context(), b.url())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// startHarkListener starts a hark listener on topic's seven priorities
// with e, stopped at the end of the test.
func startHarkListener(t *testing.T, tr transport.Transport, topic string, e *harkEndpoint, opts ...notify.ListenerOption) {
	t.Helper()
	l, err := notify.NewListener(tr, []target.Target{{Topic: topic}}, []any{e}, opts...)
	require.NoError(t, err)
	require.NoError(t, l.Start(t.Context()))
	t.Cleanup(func() {
		l.Stop()
		assert.NoError(t, l.Wait(testutil.Within(t, 30*time.Second)))
	})
}

// interopPriorities are the priorities the interop tests cycle through.
var interopPriorities = []transport.Priority{transport.Audit, transport.Debug, transport.Info, transport.Warn, transport.Error, transport.Critical, transport.Sample}

// interopContext is the i-th request context of the interop tests: keys
// oslo's notifier keeps (its _sanitize_context), in a varying order, with
// strings, non-ASCII text, lists, booleans, nulls and nested values.
func interopContext(i int) ([]string, map[string]any) {
	switch i % 4 {
	case 0:
		return nil, map[string]any{}
	case 1:
		return []string{"user_id", "project_id", "request_id", "roles", "is_admin"},
			map[string]any{"user_id": fmt.Sprintf("u-%d", i), "project_id": "p-1", "request_id": fmt.Sprintf("req-%d", i), "roles": []any{"admin", "reader"}, "is_admin": true}
	case 2:
		return []string{"request_id", "user_name", "global_request_id", "service_roles"},
			map[string]any{"request_id": fmt.Sprintf("req-%d", i), "user_name": "b\u00f6b \u2603 \U0001F600", "global_request_id": nil, "service_roles": []any{}}
	}
	return []string{"system_scope", "user", "domain"},
		map[string]any{"system_scope": "all", "user": map[string]any{"id": i, "tags": []any{"x", 1.5, false}}, "domain": "d\"q\\"}
}

// interopPayload is the i-th payload: an object carrying i, with numbers,
// nested values and escapes.
func interopPayload(i int) map[string]any {
	return map[string]any{"i": i, "name": fmt.Sprintf("n\u00e9-%d\n\t\"", i), "ratio": float64(i) + 0.25, "nested": map[string]any{"list": []any{1, "two", nil, true}, "empty": map[string]any{}}}
}

// jsonOf re-reads v as generic JSON, so that values compare whatever their
// Go types (json.Number, int, float64).
func jsonOf(t *testing.T, v any) any {
	t.Helper()
	b, err := oslo.EncodeJSON(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// a. The real oslo.messaging Notifier (kafka driver, messagingv2) sends N
// notifications; hark's kafka listener receives all N, each once, with
// oslo's context and its payload intact.
func TestInterop_osloNotifierToHarkListener(t *testing.T) {
	py := osloPython(t)
	b := newBroker(t)
	topics := allTopics("notifications")
	b.createTopics(t, 3, topics...)
	b.startGroupAtZero(t, "oslo_messaging_consumer", 3, topics...)
	e := newHarkEndpoint()
	startHarkListener(t, openKafka(t, b), "notifications", e)

	const n = 70
	p := startPy(t, py, "oslo_notify.py", "--url", b.url())
	want := make([]map[string]any, n)
	for i := range n {
		_, ctxt := interopContext(i)
		spec := map[string]any{"priority": interopPriorities[i%7].String(), "event_type": fmt.Sprintf("compute.instance.%d", i),
			"publisher_id": fmt.Sprintf("compute.host%d", i%3), "ctxt": ctxt, "payload": interopPayload(i)}
		line, err := json.Marshal(spec)
		require.NoError(t, err)
		_, err = p.stdin.Write(append(line, '\n'))
		require.NoError(t, err)
		var echo struct {
			Ctxt map[string]any `json:"ctxt"`
		}
		require.NoError(t, json.Unmarshal(p.next(t, interopWait), &echo))
		want[i] = echo.Ctxt
	}
	require.NoError(t, p.stop(t), "oslo_notify.py: %s", p.stderr())

	ids := map[string]int{}
	deadline := time.After(interopWait)
	for len(ids) < n {
		select {
		case id := <-e.seen:
			ids[id]++
		case <-deadline:
			require.FailNowf(t, "missing", "hark received %d of the %d notifications oslo sent", len(ids), n)
		}
	}
	byIndex := map[int]*dispatcher.Notification{}
	for _, got := range e.notifications() {
		var pl map[string]any
		require.NoError(t, got.Decode(&pl))
		i := int(pl["i"].(float64))
		require.NotContains(t, byIndex, i, "notification %d received twice", i)
		byIndex[i] = got
		assert.Equal(t, jsonOf(t, interopPayload(i)), jsonOf(t, pl), "payload %d", i)
		assert.Equal(t, fmt.Sprintf("compute.instance.%d", i), got.EventType)
		assert.Equal(t, fmt.Sprintf("compute.host%d", i%3), got.PublisherID)
		assert.Equal(t, interopPriorities[i%7], got.Priority)
		assert.Equal(t, jsonOf(t, want[i]), jsonOf(t, got.Context), "context %d as oslo's notifier wrote it", i)
		assert.Regexp(t, `^[0-9a-f-]{36}$`, got.Metadata.MessageID)
	}
	assert.Len(t, byIndex, n)
	t.Logf("oslo notifier -> hark listener: sent %d, received %d unique, %d duplicates", n, len(ids), len(e.notifications())-len(ids))
}

// b. hark's notifier (messagingv2, and messaging: oslo's kafka driver
// envelopes both) sends N notifications over kafka://; the real oslo
// listener receives all N with the context (in its order), payload,
// event_type, priority and publisher_id sent, and never fails to unpack
// one.
func TestInterop_harkNotifierToOsloListener(t *testing.T) {
	py := osloPython(t)
	b := newBroker(t)
	topics := allTopics("notifications")
	b.createTopics(t, 2, topics...)
	b.startGroupAtZero(t, "oslo_messaging_consumer", 2, topics...)
	p := startPy(t, py, "oslo_listen.py", "--url", b.url())
	p.next(t, interopWait) // ready

	tr := openKafka(t, b)
	v2, err := notify.NewNotifier(tr, notify.WithDriverNames(notify.DriverMessagingV2), notify.WithTopics("notifications"), notify.WithPublisherID("hark.v2"))
	require.NoError(t, err)
	v1, err := notify.NewNotifier(tr, notify.WithDriverNames(notify.DriverMessaging), notify.WithTopics("notifications"), notify.WithPublisherID("hark.v1"))
	require.NoError(t, err)

	const n = 70
	for i := range n {
		keys, ctxt := interopContext(i)
		nt := v2
		if i%5 == 4 {
			nt = v1
		}
		require.NoError(t, nt.Notify(t.Context(), interopPriorities[i%7], ctxt, fmt.Sprintf("hark.event.%d", i), interopPayload(i), notify.WithContextKeys(keys...)))
	}

	type osloCall struct {
		Method      string          `json:"method"`
		Ctxt        json.RawMessage `json:"ctxt"`
		PublisherID string          `json:"publisher_id"`
		EventType   string          `json:"event_type"`
		Payload     map[string]any  `json:"payload"`
		MessageID   string          `json:"message_id"`
	}
	got := map[int]osloCall{}
	ids := map[string]bool{}
	for len(got) < n {
		var c osloCall
		require.NoError(t, json.Unmarshal(p.next(t, interopWait), &c))
		i := int(c.Payload["i"].(float64))
		require.NotContains(t, got, i, "notification %d received twice", i)
		got[i] = c
		ids[c.MessageID] = true
	}
	for i, c := range got {
		keys, ctxt := interopContext(i)
		assert.Equal(t, interopPriorities[i%7].String(), c.Method, "oslo dispatched %d to its priority's method", i)
		assert.Equal(t, fmt.Sprintf("hark.event.%d", i), c.EventType)
		assert.Equal(t, map[bool]string{true: "hark.v1", false: "hark.v2"}[i%5 == 4], c.PublisherID)
		assert.Equal(t, jsonOf(t, interopPayload(i)), jsonOf(t, c.Payload))
		gotCtxt, gotKeys, err := oslo.DecodeObject(c.Ctxt)
		require.NoError(t, err)
		assert.Equal(t, jsonOf(t, ctxt), jsonOf(t, gotCtxt), "context %d", i)
		if len(keys) > 0 {
			assert.Equal(t, keys, gotKeys, "context %d in the order given", i)
		}
		assert.Regexp(t, `^[0-9a-f-]{36}$`, c.MessageID)
	}
	assert.Len(t, ids, n, "one message_id per notification")
	assert.NotContains(t, p.stderr(), "Traceback", "oslo's listener failed on a record")
	assert.NotContains(t, p.stderr(), "KeyError")
	t.Logf("hark notifier -> oslo listener: sent %d, received %d unique", n, len(got))
}

// c. An oslo listener and a hark listener in one pool (one consumer
// group) share the load: together they get every notification, and no
// notification reaches both.
func TestInterop_poolSharedWithOslo(t *testing.T) {
	py := osloPython(t)
	b := newBroker(t)
	const pool, partitions = "shared", 4
	topics := allTopics("notifications")
	b.createTopics(t, partitions, topics...)
	b.startGroupAtZero(t, pool, partitions, topics...)

	p := startPy(t, py, "oslo_listen.py", "--url", b.url(), "--pool", pool)
	p.next(t, interopWait) // ready
	e := newHarkEndpoint()
	startHarkListener(t, openKafka(t, b), "notifications", e, notify.WithPool(pool))
	b.waitMembers(t, pool, 2)

	// A bare producer spreads the records over every partition of the
	// info topic, so that each member has some whatever the assignment
	// (the notifiers' partitioners need not).
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(t, err)
	defer cl.Close()
	const n = 200
	sent := map[string]bool{}
	for i := range n {
		m := &oslo.OsloMessage{MessageID: oslo.NewMessageID(), PublisherID: "p", EventType: "pool.e", Priority: "INFO",
			Payload: json.RawMessage(fmt.Sprintf(`{"i": %d}`, i)), Timestamp: oslo.FormatTimestamp(time.Now()), Context: map[string]any{"request_id": fmt.Sprint(i)}}
		msg, err := oslo.EncodeNotification(m, oslo.EncodeOptions{Dialect: transport.DialectKafka})
		require.NoError(t, err)
		sent[m.MessageID] = true
		require.NoError(t, cl.ProduceSync(t.Context(), &kgo.Record{Topic: "notifications.info", Partition: int32(i % partitions), Value: msg.Body}).FirstErr())
	}

	osloIDs, harkIDs := map[string]int{}, map[string]int{}
	union := func() int {
		u := maps.Clone(osloIDs)
		maps.Copy(u, harkIDs)
		return len(u)
	}
	osloLines := make(chan json.RawMessage)
	go func() {
		defer close(osloLines)
		for l := range p.lines {
			select {
			case osloLines <- l:
			case <-t.Context().Done():
				return
			}
		}
	}()
	deadline := time.After(interopWait)
	for union() < n {
		select {
		case l, ok := <-osloLines:
			require.True(t, ok, "oslo_listen.py ended: %s", p.stderr())
			var c struct {
				MessageID string `json:"message_id"`
			}
			require.NoError(t, json.Unmarshal(l, &c))
			osloIDs[c.MessageID]++
		case id := <-e.seen:
			harkIDs[id]++
		case <-deadline:
			require.FailNowf(t, "missing", "the pool received %d of %d (oslo %d, hark %d)", union(), n, len(osloIDs), len(harkIDs))
		}
	}
	// Anything delivered twice would come now.
	quiet := time.After(3 * time.Second)
	for done := false; !done; {
		select {
		case l := <-osloLines:
			var c struct {
				MessageID string `json:"message_id"`
			}
			require.NoError(t, json.Unmarshal(l, &c))
			osloIDs[c.MessageID]++
		case id := <-e.seen:
			harkIDs[id]++
		case <-quiet:
			done = true
		}
	}
	both, dupOslo, dupHark := 0, 0, 0
	for id, c := range osloIDs {
		assert.True(t, sent[id])
		if harkIDs[id] > 0 {
			both++
		}
		dupOslo += c - 1
	}
	for id, c := range harkIDs {
		assert.True(t, sent[id])
		dupHark += c - 1
	}
	t.Logf("pool %q shared by oslo and hark: sent %d, oslo %d, hark %d, union %d, in both %d, duplicates oslo %d hark %d",
		pool, n, len(osloIDs), len(harkIDs), union(), both, dupOslo, dupHark)
	assert.Equal(t, n, union(), "the pool got every notification")
	assert.Zero(t, both, "no notification reached both listeners")
	assert.Zero(t, dupOslo+dupHark, "no notification came twice")
	assert.NotZero(t, len(osloIDs), "oslo's listener had a share")
	assert.NotZero(t, len(harkIDs), "hark's listener had a share")
}
