package nats

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func TestNames(t *testing.T) {
	k := key{exchange: "openstack", topic: "versioned.notifications", priority: transport.Info}
	assert.Equal(t, "openstack.versioned.notifications.info", k.subject())
	assert.Equal(t, "HARK_openstack", StreamName("openstack"))
	assert.Equal(t, []string{"openstack.>"}, streamSubjects("openstack"))

	np := consumerName("", k)
	assert.True(t, strings.HasPrefix(np, "all_versioned_notifications_info_"), np)
	assert.NotContains(t, np, ".")
	p := consumerName("billing", k)
	assert.True(t, strings.HasPrefix(p, "pool_billing_versioned_notifications_info_"), p)

	// Readable parts that collide still get distinct names.
	k2 := key{exchange: "openstack", topic: "versioned_notifications", priority: transport.Info}
	assert.NotEqual(t, consumerName("", k), consumerName("", k2))
	assert.NotEqual(t, consumerName("all", k), consumerName("", k), "a pool named like the non-pooled group")

	long := key{exchange: "e", topic: strings.Repeat("t", 255), priority: transport.Critical}
	n := consumerName(strings.Repeat("p", 255), long)
	assert.LessOrEqual(t, len(n), maxName)
	assert.NotEqual(t, n, consumerName(strings.Repeat("p", 254), long))
	assert.LessOrEqual(t, len(StreamName(strings.Repeat("x", 255))), maxName)
}

func TestSlots(t *testing.T) {
	s := newSlots(4)
	ctx := context.Background()
	n, err := s.acquire(ctx, 1, 3)
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	// A waiter needing 2 waits while 1 is free; one needing 1 behind it
	// is served meanwhile.
	got2 := make(chan int, 1)
	go func() { n, _ := s.acquire(ctx, 2, 2); got2 <- n }()
	for !s.contended() {
		time.Sleep(time.Millisecond)
	}
	n, err = s.acquire(ctx, 1, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	select {
	case <-got2:
		t.Fatal("granted with too few slots")
	case <-time.After(20 * time.Millisecond):
	}
	s.release(2)
	assert.Equal(t, 2, <-got2)

	// A cancelled waiter takes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.acquire(cctx, 1, 1)
	require.ErrorIs(t, err, context.Canceled)
	s.release(4)
	n, err = s.acquire(ctx, 1, 10)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
}

func TestSlots_leavesOneForEachWaiterBehind(t *testing.T) {
	s := newSlots(0)
	ctx := context.Background()
	results := make(chan int, 3)
	for range 3 {
		go func() { n, _ := s.acquire(ctx, 1, 10); results <- n }()
	}
	for {
		s.mu.Lock()
		w := len(s.waiters)
		s.mu.Unlock()
		if w == 3 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	s.release(10)
	got := []int{<-results, <-results, <-results}
	assert.ElementsMatch(t, []int{8, 1, 1}, got)
}
