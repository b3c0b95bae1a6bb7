package endpoints

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/plural"
	"github.com/harkmq/hark/cmd/internal/record"
	"github.com/harkmq/hark/cmd/internal/redact"
	"github.com/harkmq/hark/dispatcher"
	"github.com/harkmq/hark/internal/backoff"
)

// Headers a webhook request carries besides the configured ones.
const (
	HeaderMessageID  = "X-Hark-Message-Id"
	HeaderPriority   = "X-Hark-Priority"
	HeaderEventType  = "X-Hark-Event-Type"
	HeaderDeliveries = "X-Hark-Deliveries"
	HeaderEndpoint   = "X-Hark-Endpoint"
	// HeaderBatchSize is set on batch requests, whose body is a JSON array
	// and whose message id, priority and event type headers are those of
	// the first notification.
	HeaderBatchSize = "X-Hark-Batch-Size"
)

// webhookEndpoint POSTs each notification (a record.Notification; a JSON
// array of them for a batch) to a URL, IronMQ push-queue style.
//
// Outcomes: 2xx = HANDLED. 429, 5xx, a timeout or a connection error are
// retried Retries times RetriesDelay apart and then REQUEUE, so the
// listener's backoff and max deliveries take over. Any other status (3xx
// included: redirects are not followed, since a POST turned into a GET
// would lose the body) dead-letters at once with the status in the reason.
type webhookEndpoint struct {
	name     string
	o        config.WebhookOptions
	url      string // redacted, for messages
	client   *http.Client
	redactor *redact.Redactor
}

func newWebhook(name string, o config.WebhookOptions, client *http.Client, r *redact.Redactor) (*webhookEndpoint, error) {
	if _, err := url.Parse(o.URL); err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	if client == nil {
		client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
		}
	}
	return &webhookEndpoint{name: name, o: o, url: config.RedactURL(o.URL), client: client, redactor: r}, nil
}

func (w *webhookEndpoint) Handle(ctx context.Context, n *dispatcher.Notification) dispatcher.Result {
	body, err := record.Marshal(n)
	if err != nil {
		return dispatcher.Reject(fmt.Errorf("webhook: %w", err))
	}
	return w.post(ctx, body, n, 0)
}

func (w *webhookEndpoint) HandleBatch(ctx context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	if len(ns) == 0 {
		return dispatcher.Handled
	}
	recs := record.FromNotifications(ns)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(recs); err != nil {
		return dispatcher.Reject(fmt.Errorf("webhook: %w", err))
	}
	return w.post(ctx, bytes.TrimSuffix(buf.Bytes(), []byte("\n")), ns[0], len(ns))
}

// post sends body, retrying as the type's comment says.
func (w *webhookEndpoint) post(ctx context.Context, body []byte, n *dispatcher.Notification, batch int) dispatcher.Result {
	var last error
	schedule := backoff.Constant(w.o.RetriesDelay.D())
	for attempt := 0; attempt <= w.o.Retries; attempt++ {
		if attempt > 0 && !backoff.Sleep(ctx, schedule.Delay(attempt), nil) {
			return dispatcher.RequeueWith(fmt.Errorf("webhook %s: %w (after: %w)", w.url, ctx.Err(), last))
		}
		retry, res := w.once(ctx, body, n, batch)
		if !retry {
			return res
		}
		last = res.Err()
	}
	return dispatcher.RequeueWith(fmt.Errorf("%w (%s)", last, plural.Count(w.o.Retries+1, "attempt")))
}

// once makes one request. retry is true for the failures worth retrying,
// and res then carries the error.
func (w *webhookEndpoint) once(ctx context.Context, body []byte, n *dispatcher.Notification, batch int) (retry bool, res dispatcher.Result) {
	rctx, cancel := context.WithTimeout(ctx, w.o.Timeout.D())
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, w.o.URL, bytes.NewReader(body))
	if err != nil {
		return false, dispatcher.Reject(fmt.Errorf("webhook %s: %w", w.url, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "harkd")
	for k, v := range w.o.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set(HeaderMessageID, n.Metadata.MessageID)
	req.Header.Set(HeaderPriority, string(n.Priority))
	req.Header.Set(HeaderEventType, n.EventType)
	req.Header.Set(HeaderDeliveries, strconv.Itoa(n.Metadata.Deliveries))
	req.Header.Set(HeaderEndpoint, w.name)
	if batch > 0 {
		req.Header.Set(HeaderBatchSize, strconv.Itoa(batch))
	}
	if w.o.Secret != "" {
		req.Header.Set(w.o.SignatureHeader, Sign(w.o.Secret, body))
	}

	resp, err := w.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, dispatcher.RequeueWith(fmt.Errorf("webhook %s: %w", w.url, ctx.Err()))
		}
		// Timeouts and connection errors: the receiver may be back soon.
		return true, dispatcher.RequeueWith(fmt.Errorf("webhook %s: %w", w.url, unwrapURLError(err)))
	}
	defer resp.Body.Close()
	tail := w.readTail(resp.Body)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, dispatcher.Handled
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, dispatcher.RequeueWith(fmt.Errorf("webhook %s: %s%s", w.url, resp.Status, tail))
	default:
		return false, dispatcher.Reject(fmt.Errorf("webhook %s: %s%s", w.url, resp.Status, tail))
	}
}

// Sign returns the signature header value for body: "sha256=" followed by
// the hex HMAC-SHA256 of body keyed with secret (GitHub's scheme, which
// receivers know how to check).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Bounds of what a failed request's response body contributes.
const (
	// bodyDrain is how much of a response body is read, so the
	// connection can be reused.
	bodyDrain = 64 << 10
	// bodyKept is how much of it goes into the error (and so into the
	// dead-letter record): receivers answer errors with whole pages.
	bodyKept = 256
)

// readTail drains up to bodyDrain bytes of a response body and returns
// ": <its first bodyKept bytes>" for error messages, or "". Secrets are
// redacted before the cut, so a secret the receiver echoed (its
// Authorization header, the request URL) is not left half visible.
func (w *webhookEndpoint) readTail(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, bodyDrain))
	s := strings.TrimSpace(w.redactor.String(string(b)))
	if s == "" {
		return ""
	}
	if len(s) > bodyKept {
		s = strings.ToValidUTF8(s[:bodyKept], "") + "..."
	}
	return ": " + s
}

// unwrapURLError drops net/http's "Post \"url\": " prefix, which would show
// the unredacted URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (w *webhookEndpoint) Close() error {
	w.client.CloseIdleConnections()
	return nil
}
