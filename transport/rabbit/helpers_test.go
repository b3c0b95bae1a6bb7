package rabbit

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// envRabbitURL names the broker the integration tests use.
const envRabbitURL = "HARK_TEST_RABBIT_URL"

// rabbitURL returns the test broker's URL, or skips t.
func rabbitURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(envRabbitURL)
	if u == "" {
		t.Skip("set HARK_TEST_RABBIT_URL=amqp://guest:guest@127.0.0.1:5672/ to run the RabbitMQ tests")
	}
	return u
}

// recorder remembers every exchange and queue the transports of a test
// declare, and deletes them when the test is over.
type recorder struct {
	mu        sync.Mutex
	exchanges map[string]struct{}
	queues    map[string]struct{}
}

// newRecorder returns a recorder whose names are deleted at t's cleanup
// (which runs after the cleanups registered later: listeners and
// transports close first).
func newRecorder(t testing.TB, rawURL string) *recorder {
	r := &recorder{exchanges: map[string]struct{}{}, queues: map[string]struct{}{}}
	t.Cleanup(func() { r.deleteAll(t, rawURL) })
	return r
}

func (r *recorder) option() Option {
	return func(c *config) error {
		c.record = func(kind, name string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			if kind == "exchange" {
				r.exchanges[name] = struct{}{}
			} else {
				r.queues[name] = struct{}{}
			}
		}
		return nil
	}
}

// add records a name declared outside a transport (by Python, say).
func (r *recorder) add(kind, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if kind == "exchange" {
		r.exchanges[name] = struct{}{}
	} else {
		r.queues[name] = struct{}{}
	}
}

func (r *recorder) deleteAll(t testing.TB, rawURL string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.exchanges)+len(r.queues) == 0 {
		return
	}
	conn, err := amqp.Dial(rawURL)
	if err != nil {
		t.Logf("cleanup: cannot connect to delete %d queues and %d exchanges: %v", len(r.queues), len(r.exchanges), err)
		return
	}
	defer conn.Close()
	for q := range r.queues {
		ch, err := conn.Channel()
		if err != nil {
			t.Logf("cleanup: %v", err)
			return
		}
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			t.Logf("cleanup: delete queue %q: %v", q, err)
		}
		_ = ch.Close()
	}
	for x := range r.exchanges {
		if x == "" || x == target.DefaultExchange || strings.HasPrefix(x, "amq.") {
			continue // shared with everyone else on the broker
		}
		ch, err := conn.Channel()
		if err != nil {
			t.Logf("cleanup: %v", err)
			return
		}
		if err := ch.ExchangeDelete(x, false, false); err != nil {
			t.Logf("cleanup: delete exchange %q: %v", x, err)
		}
		_ = ch.Close()
	}
}

// openTransport opens a transport on the test broker with rawURL's
// options (rawURL may be "" for the broker URL as it is), recording what
// it declares in r, closed at cleanup.
func openTransport(t testing.TB, r *recorder, rawURL string, opts ...Option) *Transport {
	t.Helper()
	if rawURL == "" {
		rawURL = rabbitURL(t)
	}
	u, err := transport.ParseURL(rawURL)
	require.NoError(t, err)
	o, err := transport.NewOptions(transport.WithLogger(testLogger(t)))
	require.NoError(t, err)
	opts = append([]Option{r.option(), WithReconnectDelay(100*time.Millisecond, 0),
		WithRetryPolicy(RetryPolicy{MaxRetries: -1, IntervalStart: 100 * time.Millisecond, IntervalStep: 100 * time.Millisecond, IntervalMax: time.Second}),
		WithConnectionName("hark-test")}, opts...)
	tr, err := Open(t.Context(), u, o, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

func testLogger(t testing.TB) *zap.Logger {
	if testing.Verbose() {
		return zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	}
	return zap.NewNop()
}

// rawConn is a plain amqp091-go connection to the test broker, closed at
// cleanup, for looking at the broker side.
func rawConn(t testing.TB) *amqp.Connection {
	t.Helper()
	conn, err := amqp.Dial(rabbitURL(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
