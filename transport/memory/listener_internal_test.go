package memory

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

var testTarget = target.Target{Exchange: "nova", Topic: "notifications"}

func testConfig(pool string) transport.ListenConfig {
	return transport.ListenConfig{Targets: []target.Target{testTarget}, Priorities: []transport.Priority{transport.Info}, Pool: pool}
}

// waitFor polls cond under the broker's lock.
func waitFor(t *testing.T, b *Broker, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		ok := cond()
		b.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func newTestTransport(t *testing.T) (*Broker, *memTransport) {
	b := NewBroker()
	t.Cleanup(func() { _ = b.Close() })
	tr, err := b.newTransport(transport.Options{}, nil)
	require.NoError(t, err)
	return b, tr
}

// Members of a pool blocked in Next are served in turn: three waiting
// members and three messages give each member one.
func TestListener_waiting_members_served_in_turn(t *testing.T) {
	t.Parallel()
	b, tr := newTestTransport(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	got := make(chan int, 3)
	for i := range 3 {
		l, err := tr.Listen(ctx, testConfig("p"))
		require.NoError(t, err)
		go func() {
			if _, err := l.Next(ctx); err == nil {
				got <- i
			}
		}()
	}
	waitFor(t, b, "three waiting members", func() bool { return b.pools["p"] != nil && b.pools["p"].waiters.Len() == 3 })
	for range 3 {
		require.NoError(t, tr.Send(ctx, testTarget, transport.Info, transport.Message{Body: []byte("x")}))
	}
	seen := map[int]bool{}
	for range 3 {
		select {
		case i := <-got:
			seen[i] = true
		case <-ctx.Done():
			t.Fatal("a member got nothing")
		}
	}
	assert.Len(t, seen, 3, "each member got one")
}

// A message handed to a blocked Next at the moment the listener stops
// goes back uncounted, and Next reports the stop.
func TestListener_Stop_takes_back_a_pending_handoff(t *testing.T) {
	t.Parallel()
	b, tr := newTestTransport(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	li, err := tr.Listen(ctx, testConfig("p"))
	require.NoError(t, err)
	l := li.(*listener)
	res := make(chan error, 1)
	go func() { _, err := l.Next(ctx); res <- err }()
	waitFor(t, b, "a waiting Next", func() bool { return l.registered })

	// Hand a message over and stop before the Next goroutine can take it.
	b.mu.Lock()
	b.sendLocked(key{exchange: "nova", topic: "notifications", priority: transport.Info}, &transport.Message{Body: []byte("x")})
	require.NotNil(t, l.handoff)
	b.stopListenerLocked(l)
	b.mu.Unlock()

	assert.ErrorIs(t, <-res, transport.ErrClosed)
	other, err := tr.Listen(ctx, testConfig("p"))
	require.NoError(t, err)
	d, err := other.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, d.Deliveries(), "the message the stopped listener never returned is not counted")
}

// Next serves a listener's queues in turn, so a busy key cannot starve
// another.
func TestListener_Next_is_fair_across_queues(t *testing.T) {
	t.Parallel()
	_, tr := newTestTransport(t)
	ctx := t.Context()
	other := target.Target{Exchange: "nova", Topic: "other"}
	l, err := tr.Listen(ctx, transport.ListenConfig{Targets: []target.Target{testTarget, other}, Priorities: []transport.Priority{transport.Info}})
	require.NoError(t, err)
	for range 10 {
		require.NoError(t, tr.Send(ctx, testTarget, transport.Info, transport.Message{Body: []byte("busy")}))
	}
	require.NoError(t, tr.Send(ctx, other, transport.Info, transport.Message{Body: []byte("quiet")}))
	var bodies []string
	for range 2 {
		d, err := l.Next(ctx)
		require.NoError(t, err)
		bodies = append(bodies, string(d.Message().Body))
		require.NoError(t, d.Ack(ctx))
	}
	assert.ElementsMatch(t, []string{"busy", "quiet"}, bodies)
}

func TestRing(t *testing.T) {
	t.Parallel()
	var r ring[int]
	for i := range 100 {
		r.PushBack(i)
	}
	r.PushFront(-1)
	assert.Equal(t, 101, r.Len())
	for want := -1; want < 100; want++ {
		v, ok := r.PopFront()
		require.True(t, ok)
		require.Equal(t, want, v)
	}
	_, ok := r.PopFront()
	assert.False(t, ok)
	assert.LessOrEqual(t, len(r.buf), 4*ringMin, "shrinks once drained")
	// Wrap around the buffer's end.
	for i := range 5 {
		r.PushBack(i)
	}
	for range 3 {
		r.PopFront()
	}
	for i := 5; i < 20; i++ {
		r.PushBack(i)
	}
	for want := 3; want < 20; want++ {
		v, _ := r.PopFront()
		require.Equal(t, want, v)
	}
}
