package transporttest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func loadTests() []testCase {
	return []testCase{
		{name: "concurrent_publishers_and_members", run: testConcurrent},
		{name: "ordering", needs: transport.Capabilities{Ordering: true}, run: testOrdering},
	}
}

// testConcurrent: 4 publishers × 250 messages to a group of 3 members
// (a pool when the driver has pools), each on its own transport: every
// message arrives exactly once. Each is sent once, every Send succeeds,
// every delivery is acknowledged and no connection is lost, so nothing
// here may deliver a message twice: a copy is either a redelivery of an
// acknowledged message (Deliveries > 1) or a Send that published twice
// (both copies first deliveries: a retry after the broker refused an
// attempt), and the failure says which.
func testConcurrent(t *testing.T, e *env) {
	const publishers, perPublisher, members = 4, 250, 3
	const n = publishers * perPublisher
	cfg := e.config()
	cfg.Pool = e.pool()
	cfg.Lease = e.longLease()
	ls := make([]transport.Listener, members)
	for i := range ls {
		ls[i] = e.listenOn(e.cfg.NewTransport(t), cfg)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*e.cfg.Timeout)
	defer cancel()
	var (
		mu     sync.Mutex
		seen   = make(map[string][]string, n) // body -> "member i, delivery k" per copy
		total  int
		recv   sync.WaitGroup
		counts = make([]int, members)
	)
	for i, l := range ls {
		recv.Go(func() {
			for {
				d, err := l.Next(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				body := string(d.Message().Body)
				seen[body] = append(seen[body], fmt.Sprintf("member %d, delivery %d", i+1, d.Deliveries()))
				counts[i]++
				total++
				all := len(seen) == n // a copy must not hide a message that is missing
				mu.Unlock()
				if err := d.Ack(context.Background()); err != nil {
					t.Errorf("ack: %v", err)
				}
				if all {
					cancel()
				}
			}
		})
	}

	// Sends get their own context: the receivers cancel ctx once every
	// message has arrived, which on a broker with publisher acks can be
	// before the last Send has seen its ack.
	sendCtx, cancelSend := context.WithTimeout(context.Background(), 3*e.cfg.Timeout)
	defer cancelSend()
	var send sync.WaitGroup
	errs := make(chan error, publishers)
	for p := range publishers {
		send.Go(func() {
			tag := fmt.Sprintf("%s-p%d", e.tag, p)
			for i := range perPublisher {
				if err := e.tr.Send(sendCtx, e.target(), transport.Info, NewMessage(tag, i)); err != nil {
					errs <- fmt.Errorf("publisher %d, message %d: %w", p, i, err)
					return
				}
			}
		})
	}
	send.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	recv.Wait()

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, n, total, "deliveries (per member: %v)", counts)
	assert.Equal(t, n, len(seen), "distinct messages")
	for body, copies := range seen {
		assert.Len(t, copies, 1, "message %s delivered more than once: %v", body, copies)
	}
	e.none(ls...)
}

// testOrdering: one listener receives one topic's messages in send order.
func testOrdering(t *testing.T, e *env) {
	const n = 100
	l := e.listen(e.config())
	sent := e.sendN(n)
	assert.Equal(t, MessageBodies(sent), Bodies(e.collect(l, n)))
}
