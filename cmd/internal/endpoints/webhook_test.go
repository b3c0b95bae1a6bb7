package endpoints

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/dispatcher"
)

func webhookOpts(url string) config.WebhookOptions {
	return config.WebhookOptions{URL: url, Timeout: config.Duration(2 * time.Second), Retries: 3,
		RetriesDelay: config.Duration(10 * time.Millisecond), SignatureHeader: "X-Hark-Signature"}
}

// statusServer answers the statuses in order, then the last one forever.
func statusServer(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(calls.Add(1)) - 1
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(statuses[min(i, len(statuses)-1)])
		_, _ = w.Write([]byte("receiver says hi"))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestWebhookRetriesThenHandled(t *testing.T) {
	srv, calls := statusServer(t, 500, 503, 200)
	w, err := newWebhook("hook", webhookOpts(srv.URL), nil, nil)
	require.NoError(t, err)
	requireAction(t, dispatcher.Handled, w.Handle(testCtx(t), testNotification(t, "m1", "e", 1)))
	assert.Equal(t, int32(3), calls.Load())
}

func TestWebhookAlways500Requeues(t *testing.T) {
	srv, calls := statusServer(t, 500)
	w, err := newWebhook("hook", webhookOpts(srv.URL), nil, nil)
	require.NoError(t, err)
	r := w.Handle(testCtx(t), testNotification(t, "m1", "e", 1))
	requireAction(t, dispatcher.Requeue, r)
	assert.Equal(t, int32(4), calls.Load(), "1 + retries attempts")
	assert.Contains(t, r.Err().Error(), "500")
}

func TestWebhook429Retried(t *testing.T) {
	srv, calls := statusServer(t, 429, 204)
	w, err := newWebhook("hook", webhookOpts(srv.URL), nil, nil)
	require.NoError(t, err)
	requireAction(t, dispatcher.Handled, w.Handle(testCtx(t), testNotification(t, "m1", "e", 1)))
	assert.Equal(t, int32(2), calls.Load())
}

func TestWebhook4xxRejectsAtOnce(t *testing.T) {
	for _, status := range []int{400, 404, 410, 302} {
		srv, calls := statusServer(t, status)
		w, err := newWebhook("hook", webhookOpts(srv.URL), nil, nil)
		require.NoError(t, err)
		r := w.Handle(testCtx(t), testNotification(t, "m1", "e", 1))
		requireAction(t, dispatcher.Reject(nil), r)
		assert.Equal(t, int32(1), calls.Load())
		assert.Contains(t, r.Err().Error(), http.StatusText(status))
		assert.Contains(t, r.Err().Error(), "receiver says hi")
	}
}

func TestWebhookTimeoutAndConnectionErrorRequeue(t *testing.T) {
	var calls atomic.Int32
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(block)
	o := webhookOpts(slow.URL)
	o.Timeout = config.Duration(50 * time.Millisecond)
	o.Retries = 1
	w, err := newWebhook("hook", o, nil, nil)
	require.NoError(t, err)
	r := w.Handle(testCtx(t), testNotification(t, "m1", "e", 1))
	requireAction(t, dispatcher.Requeue, r)
	assert.Equal(t, int32(2), calls.Load())

	// A closed port: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	w, err = newWebhook("hook", webhookOpts("http://"+addr+"/x"), nil, nil)
	require.NoError(t, err)
	requireAction(t, dispatcher.Requeue, w.Handle(testCtx(t), testNotification(t, "m1", "e", 1)))
}

func TestWebhookRequest(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r)
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer srv.Close()
	o := webhookOpts(srv.URL + "/hook")
	o.Headers = map[string]string{"Authorization": "Bearer t0k"}
	o.Secret = "shh"
	w, err := newWebhook("billing", o, nil, nil)
	require.NoError(t, err)
	n := testNotification(t, "m-42", "compute.x", map[string]any{"a": 1})
	n.Metadata.Deliveries = 3
	requireAction(t, dispatcher.Handled, w.Handle(testCtx(t), n))
	requireAction(t, dispatcher.Handled, w.HandleBatch(testCtx(t), []*dispatcher.Notification{n, testNotification(t, "m-43", "y", 2)}))

	require.Len(t, got, 2)
	r := got[0]
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/hook", r.URL.Path)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, "Bearer t0k", r.Header.Get("Authorization"))
	assert.Equal(t, "m-42", r.Header.Get(HeaderMessageID))
	assert.Equal(t, "info", r.Header.Get(HeaderPriority))
	assert.Equal(t, "3", r.Header.Get(HeaderDeliveries))
	assert.Equal(t, "billing", r.Header.Get(HeaderEndpoint))
	assert.Equal(t, Sign("shh", bodies[0]), r.Header.Get("X-Hark-Signature"))
	var rec map[string]any
	require.NoError(t, json.Unmarshal(bodies[0], &rec))
	assert.Equal(t, "compute.x", rec["event_type"])
	assert.Equal(t, map[string]any{"message_id": "m-42", "timestamp": "2024-01-02 03:04:05.678901", "deliveries": float64(3)}, rec["metadata"])

	var batch []map[string]any
	require.NoError(t, json.Unmarshal(bodies[1], &batch))
	assert.Len(t, batch, 2)
	assert.Equal(t, "2", got[1].Header.Get(HeaderBatchSize))
}

func TestSign(t *testing.T) {
	// echo -n body | openssl dgst -sha256 -hmac key
	assert.Equal(t, "sha256=515aae133b435d4000956731f68ae5cf5eb85d4f0dc6a546d2bfcd3595ec1ae1", Sign("key", []byte("body")))
}

// TestWebhookErrorsRedacted: a webhook whose URL carries secrets in its
// path and query and whose receiver echoes the Authorization header and
// the request line in its error page gives errors (the dead-letter
// last_error) without any of them, whether it requeues, rejects or cannot
// connect; and the body kept is bounded.
func TestWebhookErrorsRedacted(t *testing.T) {
	secrets := []string{"SECRETPATH", "SECRETQ", "SECRETH", "SECRETU"}
	status := atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(int(status.Load()))
		// The secret comes first, so the cut at bodyKept would leave
		// part of it were it redacted after the cut.
		_, _ = fmt.Fprintf(w, "you sent Authorization: %s to %s\n%s", r.Header.Get("Authorization"), r.URL, strings.Repeat("page ", 1000))
	}))
	defer srv.Close()
	hook := strings.Replace(srv.URL, "http://", "http://user:SECRETU@", 1) + "/hook/SECRETPATH?token=SECRETQ"
	o := webhookOpts(hook)
	o.Retries = 0
	o.Headers = map[string]string{"Authorization": "Bearer SECRETH"}
	cfg := &config.Config{Endpoints: []config.Endpoint{{Name: "hook", Type: "webhook", Webhook: &o}}}
	s, err := Build(cfg.Endpoints, false, Deps{Redactor: cfg.Redactor()})
	require.NoError(t, err)
	defer s.Close()
	ep := s.Endpoints()[0].(singleEndpoint)

	check := func(r dispatcher.Result) {
		t.Helper()
		msg := r.Err().Error()
		for _, secret := range secrets {
			assert.NotContains(t, msg, secret)
		}
		assert.Less(t, len(msg), 600, "the body kept is bounded: %s", msg)
	}
	status.Store(500)
	r := ep.Info(testCtx(t), testNotification(t, "m1", "e", 1))
	requireAction(t, dispatcher.Requeue, r)
	check(r)
	assert.Contains(t, r.Err().Error(), "you sent Authorization: REDACTED to ")
	status.Store(403)
	r = ep.Info(testCtx(t), testNotification(t, "m1", "e", 1))
	requireAction(t, dispatcher.Reject(nil), r)
	check(r)

	srv.Close() // connection refused now
	r = ep.Info(testCtx(t), testNotification(t, "m1", "e", 1))
	requireAction(t, dispatcher.Requeue, r)
	check(r)
	assert.Contains(t, r.Err().Error(), "/"+config.Redacted)
}
