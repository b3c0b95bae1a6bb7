package rabbit

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/internal/testutil"
	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/oslo"
	"github.com/harkmq/hark/transport/transporttest"
)

var (
	dashedUUID  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	osloTime    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?$`)
	hexUniqueID = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// interopNames returns a fresh exchange and topic, deleted (with the
// non-pooled queues oslo's publisher declares, and the pools given) at
// the end of the test.
func interopNames(t *testing.T, r *recorder, pools ...string) (exchange, topic string) {
	exchange, topic = transporttest.UniqueName("harkinterop-x"), transporttest.UniqueName("harkinterop-t")
	r.add("exchange", exchange)
	for _, p := range transport.Priorities() {
		r.add("queue", routingKey(topic, p))
	}
	for _, p := range pools {
		r.add("queue", p)
	}
	return exchange, topic
}

// sevenNotifications is one notification per priority, with unicode and
// nested payloads and a request context (keys oslo 14's sanitizer keeps,
// plus auth_token, which it drops).
func sevenNotifications(tag string) []pyNotifySpec {
	var ns []pyNotifySpec
	for i, p := range transport.Priorities() {
		ns = append(ns, pyNotifySpec{
			Priority:  string(p),
			EventType: "compute.instance." + string(p) + ".end",
			Payload: map[string]any{
				"i": i, "name": "instance-ü-日本-✓ \"quoted\" \\ back", "emoji": "🙂",
				"nested": map[string]any{
					"list": []any{1, 2.5, "x", nil, true, map[string]any{"k": []any{}}},
					"obj":  map[string]any{"deep": map[string]any{"deeper": "ok", "n": -7}},
				},
			},
			Context: map[string]any{
				"user_id": "u-ünï", "project_id": "p1", "request_id": "req-" + tag,
				"roles": []any{"admin", "member"}, "is_admin": true, "auth_token": "secret-token",
			},
		})
	}
	return ns
}

// jsonOf marshals v for JSONEq comparisons.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestInteropOsloNotifierToHark: oslo's Notifier with messagingv2 and with
// messaging sends all seven priorities (unicode and nested payloads, a
// request context); a hark listener gets each notification with every
// field as oslo sent it.
func TestInteropOsloNotifierToHark(t *testing.T) {
	url := osloURL(t)
	for _, c := range []struct {
		driver  string
		version int
	}{{"messagingv2", 2}, {"messaging", 1}} {
		t.Run(c.driver, func(t *testing.T) {
			r := newRecorder(t, rabbitURL(t))
			ex, topic := interopNames(t, r)
			tr := openTransport(t, r, "")
			ep := newHarkEndpoint()
			l, err := notify.NewListener(tr, []target.Target{{Exchange: ex, Topic: topic}}, []any{ep})
			require.NoError(t, err)
			startHarkListener(t, l)

			spec := pySpec{URL: url, Exchange: ex, Topic: topic, Driver: c.driver, PublisherID: "compute.host1",
				Notifications: sevenNotifications(topic)}
			sent := osloNotify(t, spec)

			got := map[string]*dispatcher.Notification{}
			for range sent {
				n := ep.next(t)
				got[n.Metadata.MessageID] = n
			}
			ep.quiet(t, 300*time.Millisecond)
			for i, s := range sent {
				m := s.fields(t)
				id := m["message_id"].(string)
				n := got[id]
				require.NotNil(t, n, "notification %d (%s) not received", i, id)
				want := spec.Notifications[i]
				assert.Regexp(t, dashedUUID, id)
				assert.Equal(t, "compute.host1", n.PublisherID)
				assert.Equal(t, m["publisher_id"], n.PublisherID)
				assert.Equal(t, want.EventType, n.EventType)
				assert.Equal(t, strings.ToUpper(want.Priority), m["priority"], "oslo sends upper case")
				assert.Equal(t, transport.Priority(want.Priority), n.Priority)
				assert.JSONEq(t, jsonOf(t, want.Payload), string(n.Payload), "payload")
				assert.JSONEq(t, jsonOf(t, s.Ctxt), jsonOf(t, n.Context), "context as oslo sent it")
				assert.Equal(t, "req-"+topic, n.Context["request_id"])
				assert.NotContains(t, n.Context, "auth_token", "oslo 14's sanitizer drops it")
				assert.Equal(t, id, n.Metadata.MessageID)
				assert.Equal(t, m["timestamp"], n.Metadata.Timestamp, "timestamp exactly as sent")
				assert.Regexp(t, osloTime, n.Metadata.Timestamp)
				assert.Equal(t, 1, n.Metadata.Deliveries)
				src := n.Source()
				assert.Equal(t, target.Target{Exchange: ex, Topic: topic}, src.Target)
				assert.Equal(t, transport.Priority(want.Priority), src.Priority)

				om, err := oslo.DecodeNotification(n.Raw())
				require.NoError(t, err)
				assert.Equal(t, c.version, om.Version, "envelope of the %s driver", c.driver)
				assert.Equal(t, m["_unique_id"], om.UniqueID)
				assert.Regexp(t, hexUniqueID, om.UniqueID)
				assert.Empty(t, n.Raw().ID, "oslo sets no message_id property")
			}
		})
	}
}

// TestInteropHarkNotifierToOslo: hark's Notifier (messagingv2 and
// messaging) sends all seven priorities to an oslo listener, which gets
// publisher_id, event_type, payload, context (plus oslo's client_timeout),
// a dashed message_id and an oslo timestamp exactly as hark sent them.
func TestInteropHarkNotifierToOslo(t *testing.T) {
	url := osloURL(t)
	for _, driver := range []string{"messagingv2", "messaging"} {
		t.Run(driver, func(t *testing.T) {
			r := newRecorder(t, rabbitURL(t))
			ex, topic := interopNames(t, r)
			py := startOsloListener(t, pySpec{URL: url, Exchange: ex, Topic: topic,
				Priorities: []string{"audit", "debug", "info", "warn", "error", "critical", "sample"}, Count: 7})

			tr := openTransport(t, r, "")
			n, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.hark1"), notify.WithDriverNames(driver, "test"),
				notify.WithTopics(topic), notify.WithExchange(ex))
			require.NoError(t, err)
			specs := sevenNotifications(topic)
			ctx := testutil.Within(t, waitTimeout)
			for _, s := range specs {
				delete(s.Context, "auth_token")
				p, _ := transport.ParsePriority(s.Priority)
				require.NoError(t, n.Notify(ctx, p, s.Context, s.EventType, s.Payload))
			}
			recs := n.TestDriver().Notifications()
			require.Len(t, recs, 7)

			got := map[string]pyReceived{}
			for range recs {
				r := py.next()
				got[r.Metadata.MessageID] = r
			}
			for i, rec := range recs {
				r, ok := got[rec.Message.MessageID]
				require.True(t, ok, "notification %d (%s) not received by oslo", i, rec.Message.MessageID)
				want := specs[i]
				assert.Equal(t, want.Priority, r.Priority, "dispatched to the endpoint method of its priority")
				require.NotNil(t, r.PublisherID)
				assert.Equal(t, "compute.hark1", *r.PublisherID)
				assert.Equal(t, want.EventType, r.EventType)
				assert.JSONEq(t, jsonOf(t, want.Payload), string(r.Payload))
				wantCtx := map[string]any{"client_timeout": nil}
				for k, v := range want.Context {
					wantCtx[k] = v
				}
				assert.JSONEq(t, jsonOf(t, wantCtx), jsonOf(t, r.Ctxt), "context, plus oslo's client_timeout")
				assert.Regexp(t, dashedUUID, r.Metadata.MessageID)
				assert.Equal(t, rec.Message.Timestamp, r.Metadata.Timestamp)
				assert.Regexp(t, osloTime, r.Metadata.Timestamp)
			}
		})
	}
}

// TestInteropSharedPool: an oslo listener and a hark listener in one pool
// share the notifications (none lost, none doubled, both get some); in
// different pools each gets all of them.
func TestInteropSharedPool(t *testing.T) {
	url := osloURL(t)
	const n = 60
	for _, same := range []bool{true, false} {
		name := map[bool]string{true: "same_pool", false: "different_pools"}[same]
		t.Run(name, func(t *testing.T) {
			poolPy, poolHark := transporttest.UniqueName("harkinterop-p"), transporttest.UniqueName("harkinterop-p")
			if same {
				poolHark = poolPy
			}
			r := newRecorder(t, rabbitURL(t))
			ex, topic := interopNames(t, r, poolPy, poolHark)
			py := startOsloListener(t, pySpec{URL: url, Exchange: ex, Topic: topic, Pool: &poolPy, Priorities: []string{"info"}})
			tr := openTransport(t, r, "")
			ep := newHarkEndpoint()
			l, err := notify.NewListener(tr, []target.Target{{Exchange: ex, Topic: topic}}, []any{ep}, notify.WithPool(poolHark))
			require.NoError(t, err)
			startHarkListener(t, l)

			var specs []pyNotifySpec
			for i := range n {
				specs = append(specs, pyNotifySpec{Priority: "info", EventType: fmt.Sprintf("test.%d", i),
					Payload: map[string]any{"i": i}, Context: map[string]any{"request_id": "req-1"}})
			}
			sent := osloNotify(t, pySpec{URL: url, Exchange: ex, Topic: topic, Driver: "messagingv2", PublisherID: "p", Notifications: specs})

			harkIDs, pyIDs := map[string]int{}, map[string]int{}
			deadline := time.After(waitTimeout)
			total := func() int { return len(harkIDs) + len(pyIDs) }
			want := n
			if !same {
				want = 2 * n
			}
		collect:
			for total() < want {
				select {
				case h := <-ep.got:
					harkIDs[h.Metadata.MessageID]++
				case p := <-py.got:
					pyIDs[p.Metadata.MessageID]++
				case <-deadline:
					break collect
				}
			}
			time.Sleep(500 * time.Millisecond) // a window for duplicates to show up
			for len(ep.got) > 0 {
				harkIDs[(<-ep.got).Metadata.MessageID]++
			}
			for _, p := range py.stop() {
				if _, seen := pyIDs[p.Metadata.MessageID]; !seen {
					pyIDs[p.Metadata.MessageID] = 1 // received after the loop
				}
			}
			for id, c := range harkIDs {
				assert.Equal(t, 1, c, "hark got %s %d times", id, c)
			}
			for id, c := range pyIDs {
				assert.Equal(t, 1, c, "oslo got %s %d times", id, c)
			}
			all := map[string]bool{}
			for _, s := range sent {
				all[s.fields(t)["message_id"].(string)] = true
			}
			if same {
				assert.Len(t, harkIDs, n-len(pyIDs), "together exactly all: hark %d, oslo %d", len(harkIDs), len(pyIDs))
				assert.Positive(t, len(harkIDs), "hark's share")
				assert.Positive(t, len(pyIDs), "oslo's share")
				for id := range harkIDs {
					assert.True(t, all[id])
					assert.NotContains(t, pyIDs, id, "%s delivered to both members", id)
				}
				for id := range pyIDs {
					assert.True(t, all[id])
				}
				t.Logf("one pool, %d notifications: hark got %d, oslo got %d", n, len(harkIDs), len(pyIDs))
				return
			}
			assert.Len(t, harkIDs, n, "hark's pool gets every notification")
			assert.Len(t, pyIDs, n, "oslo's pool gets every notification")
			for id := range all {
				assert.Contains(t, harkIDs, id)
				assert.Contains(t, pyIDs, id)
			}
		})
	}
}

// TestInteropRequeue: hark's REQUEUE redelivers a notification oslo's
// Notifier sent, counting the delivery, on classic and on quorum queues
// (declared by oslo's publisher first, then by hark, without a clash).
func TestInteropRequeue(t *testing.T) {
	url := osloURL(t)
	for _, q := range []string{"", "rabbit_quorum_queue=true&rabbit_quorum_delivery_limit=10"} {
		name := map[string]string{"": "classic"}[q]
		if name == "" {
			name = "quorum"
		}
		t.Run(name, func(t *testing.T) {
			r := newRecorder(t, rabbitURL(t))
			ex, topic := interopNames(t, r)
			// oslo's publisher declares notifications' queue first.
			sent := osloNotify(t, pySpec{URL: withQuery(url, q), Exchange: ex, Topic: topic, Driver: "messagingv2", PublisherID: "compute.host1",
				Notifications: []pyNotifySpec{{Priority: "info", EventType: "compute.instance.create.end", Payload: map[string]any{"a": 1}, Context: map[string]any{}}}})
			id := sent[0].fields(t)["message_id"].(string)

			core, logs := observer.New(zapcore.WarnLevel)
			tr := openTransport(t, r, withQuery(rabbitURL(t), q), WithLogger(zap.New(core)))
			ep := newHarkEndpoint()
			ep.result = func(n *dispatcher.Notification) dispatcher.Result {
				if n.Metadata.Deliveries == 1 {
					return dispatcher.Requeue
				}
				return dispatcher.Handled
			}
			l, err := notify.NewListener(tr, []target.Target{{Exchange: ex, Topic: topic}}, []any{ep},
				notify.WithRequeue(notify.RequeuePolicy{Allow: true}))
			require.NoError(t, err)
			startHarkListener(t, l)

			first, second := ep.next(t), ep.next(t)
			assert.Equal(t, id, first.Metadata.MessageID)
			assert.Equal(t, id, second.Metadata.MessageID, "the same notification, redelivered")
			assert.Equal(t, 1, first.Metadata.Deliveries)
			assert.Equal(t, 2, second.Metadata.Deliveries)
			assert.Equal(t, first.Metadata.Timestamp, second.Metadata.Timestamp)
			assert.Equal(t, first.Raw().Body, second.Raw().Body, "byte for byte")
			ep.quiet(t, 500*time.Millisecond)
			for _, e := range logs.All() {
				assert.NotContains(t, e.Message, "other properties", "hark's declare matches oslo's: %s %v", e.Message, e.ContextMap())
			}
		})
	}
}

// TestInteropCompression: a notification oslo sends with
// kombu_compression=gzip (zlib data, header application/x-gzip) is read
// by hark, and one hark sends with the same URL option is read by oslo.
func TestInteropCompression(t *testing.T) {
	url := osloURL(t)
	r := newRecorder(t, rabbitURL(t))
	ex, topic := interopNames(t, r)
	tr := openTransport(t, r, withQuery(rabbitURL(t), "kombu_compression=gzip"))
	ep := newHarkEndpoint()
	l, err := notify.NewListener(tr, []target.Target{{Exchange: ex, Topic: topic}}, []any{ep})
	require.NoError(t, err)
	startHarkListener(t, l)

	payload := map[string]any{"text": strings.Repeat("compressible ü ", 200)}
	sent := osloNotify(t, pySpec{URL: withQuery(url, "kombu_compression=gzip"), Exchange: ex, Topic: topic, Driver: "messagingv2",
		PublisherID: "compute.host1", Notifications: []pyNotifySpec{{Priority: "info", EventType: "gz.test", Payload: payload, Context: map[string]any{"request_id": "r"}}}})
	n := ep.next(t)
	assert.Equal(t, sent[0].fields(t)["message_id"], n.Metadata.MessageID)
	assert.Equal(t, "gz.test", n.EventType)
	assert.JSONEq(t, jsonOf(t, payload), string(n.Payload))
	assert.Equal(t, oslo.CompressionGzip, n.Raw().Header[oslo.HeaderCompression])
	assert.Equal(t, byte(0x78), n.Raw().Body[0], "a zlib stream, as kombu writes it")
	assert.Less(t, len(n.Raw().Body), 1000)

	// hark's transport compresses too (kombu_compression in its URL).
	l.Stop()
	require.NoError(t, l.Wait(testutil.Within(t, waitTimeout)))
	py := startOsloListener(t, pySpec{URL: url, Exchange: ex, Topic: topic, Priorities: []string{"info"}, Count: 1})
	nt, err := notify.NewNotifier(tr, notify.WithPublisherID("hark"), notify.WithTopics(topic), notify.WithExchange(ex))
	require.NoError(t, err)
	require.NoError(t, nt.Info(testutil.Within(t, waitTimeout), notify.Context{"request_id": "r2"}, "gz.back", payload))
	got := py.next()
	assert.Equal(t, "gz.back", got.EventType)
	assert.JSONEq(t, jsonOf(t, payload), string(got.Payload))
}

// TestInteropWire compares what oslo and hark put on the wire: the AMQP
// properties and the inner message's keys, in order; and that hark's
// declares match queues and exchanges oslo declared with
// amqp_durable_queues, without falling back.
func TestInteropWire(t *testing.T) {
	url := osloURL(t)
	r := newRecorder(t, rabbitURL(t))
	ex, topic := interopNames(t, r)
	const durable = "amqp_durable_queues=true"
	osloNotify(t, pySpec{URL: withQuery(url, durable), Exchange: ex, Topic: topic, Driver: "messagingv2", PublisherID: "compute.host1",
		Notifications: []pyNotifySpec{{Priority: "info", EventType: "wire.test", Payload: map[string]any{"a": 1}, Context: map[string]any{"user_id": "u", "request_id": "r"}}}})

	core, logs := observer.New(zapcore.WarnLevel)
	tr := openTransport(t, r, withQuery(rabbitURL(t), durable), WithLogger(zap.New(core)))
	nt, err := notify.NewNotifier(tr, notify.WithPublisherID("compute.host1"), notify.WithTopics(topic), notify.WithExchange(ex))
	require.NoError(t, err)
	require.NoError(t, nt.Info(testutil.Within(t, waitTimeout), notify.Context{"user_id": "u", "request_id": "r"}, "wire.test", map[string]any{"a": 1}))

	conn := rawConn(t)
	ch, err := conn.Channel()
	require.NoError(t, err)
	fromOslo, ok, err := ch.Get(routingKey(topic, transport.Info), true)
	require.NoError(t, err)
	require.True(t, ok)
	fromHark, ok, err := ch.Get(routingKey(topic, transport.Info), true)
	require.NoError(t, err)
	require.True(t, ok)

	assert.Equal(t, "application/json", fromOslo.ContentType)
	assert.Equal(t, fromOslo.ContentType, fromHark.ContentType)
	assert.Equal(t, fromOslo.ContentEncoding, fromHark.ContentEncoding)
	assert.Equal(t, uint8(2), fromHark.DeliveryMode)
	assert.Equal(t, fromOslo.DeliveryMode, fromHark.DeliveryMode)
	assert.Equal(t, fromOslo.Priority, fromHark.Priority)
	assert.Empty(t, fromOslo.Headers)
	assert.Empty(t, fromHark.Headers)
	// The differences the package doc explains: kombu writes an empty
	// application_headers table (amqp091-go reads it as a non-nil empty
	// Table), amqp091-go cannot; hark sets message_id to the _unique_id.
	assert.NotNil(t, fromOslo.Headers, "kombu writes application_headers {}")
	assert.Nil(t, fromHark.Headers, "amqp091-go leaves an empty table out")
	assert.Empty(t, fromOslo.MessageId, "oslo sets no message_id property")
	m, err := oslo.DecodeNotification(transport.Message{Body: fromHark.Body})
	require.NoError(t, err)
	assert.Equal(t, m.UniqueID, fromHark.MessageId, "hark's message_id is the _unique_id")
	assert.Equal(t, innerKeys(t, fromOslo.Body), innerKeys(t, fromHark.Body), "the inner message's keys, in oslo's order")
	assert.Equal(t, envelopeKeys(t, fromOslo.Body), envelopeKeys(t, fromHark.Body))

	// The listener's declares meet oslo's durable exchange and queue.
	l, err := tr.Listen(t.Context(), transport.ListenConfig{Targets: []target.Target{{Exchange: ex, Topic: topic}}, Priorities: []transport.Priority{transport.Info}})
	require.NoError(t, err)
	require.NoError(t, l.Close())
	for _, e := range logs.All() {
		assert.NotContains(t, e.Message, "other properties", "declare clashed: %s %v", e.Message, e.ContextMap())
	}
}

// innerKeys lists the keys of the notification inside a v2 body, in order.
func innerKeys(t *testing.T, body []byte) []string {
	t.Helper()
	var env map[string]string
	require.NoError(t, json.Unmarshal(body, &env))
	return orderedKeys(t, []byte(env["oslo.message"]))
}

func envelopeKeys(t *testing.T, body []byte) []string { return orderedKeys(t, body) }

func orderedKeys(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	_, err := dec.Token()
	require.NoError(t, err)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}
