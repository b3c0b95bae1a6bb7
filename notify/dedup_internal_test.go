package notify

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/memory"
)

// fakeClock drives a dedup's clock by hand.
type fakeClock struct{ t time.Duration }

func (c *fakeClock) now() time.Duration { return c.t }

func newTestDedup(size int, window time.Duration) (*dedup, *fakeClock) {
	d := newDedup(size, window)
	c := &fakeClock{}
	d.now = c.now
	return d, c
}

func TestDedup_disabled_and_empty_ids_never_match(t *testing.T) {
	var d *dedup = newDedup(0, time.Minute)
	require.Nil(t, d)
	d.add(d.id("a"))
	assert.False(t, d.contains(d.id("a")))
	assert.Zero(t, d.count())

	d = newDedup(4, time.Minute)
	d.add(d.id(""))
	assert.False(t, d.contains(d.id("")))
	assert.Zero(t, d.count())
}

func TestDedup_entries_older_than_the_window_are_forgotten(t *testing.T) {
	d, clock := newTestDedup(100, time.Minute)
	d.add(d.id("a"))
	clock.t = 30 * time.Second
	d.add(d.id("b"))
	clock.t = time.Minute - time.Nanosecond
	assert.True(t, d.contains(d.id("a")), "just inside the window")

	clock.t = time.Minute
	assert.False(t, d.contains(d.id("a")), "a window old: forgotten, even before an add drops it")
	assert.True(t, d.contains(d.id("b")))
	d.add(d.id("c"))
	assert.Equal(t, 2, d.count(), "the add dropped the expired entry")

	clock.t = 100 * time.Second
	assert.False(t, d.contains(d.id("b")))
	assert.True(t, d.contains(d.id("c")))
}

func TestDedup_size_bound_drops_the_oldest_first(t *testing.T) {
	const size = 1000 // several ring growths
	d, clock := newTestDedup(size, time.Hour)
	for i := range 3 * size {
		clock.t = time.Duration(i) * time.Millisecond
		d.add(d.id(fmt.Sprint(i)))
		require.LessOrEqual(t, d.count(), size)
		require.LessOrEqual(t, len(d.ring), size)
	}
	assert.Equal(t, size, d.count())
	for i := range 3 * size {
		assert.Equal(t, i >= 2*size, d.contains(d.id(fmt.Sprint(i))), "id %d", i)
	}
}

func TestDedup_a_new_record_of_an_id_replaces_the_old_one(t *testing.T) {
	d, clock := newTestDedup(3, time.Minute)
	d.add(d.id("a"))
	d.add(d.id("b"))
	clock.t = 50 * time.Second
	d.add(d.id("a")) // refreshed: the first record of a no longer counts
	d.add(d.id("c")) // full: drops the first record of a, not a
	assert.True(t, d.contains(d.id("a")))
	assert.True(t, d.contains(d.id("b")))
	assert.True(t, d.contains(d.id("c")))

	clock.t = 70 * time.Second
	assert.True(t, d.contains(d.id("a")), "the window counts from the newest record")
	assert.False(t, d.contains(d.id("b")))
	d.add(d.id("d")) // drops b (expired) and makes room
	assert.Equal(t, 3, d.count())
	assert.True(t, d.contains(d.id("a")))
}

func TestDefaultDedupWindow_follows_the_lease(t *testing.T) {
	assert.Equal(t, time.Minute, DefaultDedupWindow(30*time.Second))
	assert.Equal(t, 31*time.Second, DefaultDedupWindow(time.Second), "at least lease + 30s")
	assert.Equal(t, 10*time.Minute, DefaultDedupWindow(5*time.Minute), "at least 2 x lease")
}

func TestWithDedupWindow_defaults_to_the_lease(t *testing.T) {
	o, err := buildListenerOptions([]ListenerOption{WithLease(2 * time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, DefaultDedupSize, o.dedupSize)
	assert.Zero(t, o.dedupWindow)

	_, err = buildListenerOptions([]ListenerOption{WithDedupWindow(-time.Second)})
	require.ErrorIs(t, err, ErrInvalidOption)
	_, err = buildListenerOptions([]ListenerOption{WithDedup(-1)})
	require.ErrorIs(t, err, ErrInvalidOption)
}

func TestNewSetup_dedup_window_follows_the_lease(t *testing.T) {
	b := memory.NewBroker()
	defer b.Close()
	tr, err := b.Transport()
	require.NoError(t, err)
	defer tr.Close()
	for _, tc := range []struct {
		opts []ListenerOption
		want time.Duration
	}{
		{nil, time.Minute},
		{[]ListenerOption{WithLease(2 * time.Minute)}, 4 * time.Minute},
		{[]ListenerOption{WithLease(2 * time.Minute), WithDedupWindow(5 * time.Second)}, 5 * time.Second},
	} {
		o, err := buildListenerOptions(tc.opts)
		require.NoError(t, err)
		s, err := newSetup(tr, []target.Target{{Topic: "t"}}, 1, o, []transport.Priority{transport.Info}, 1)
		require.NoError(t, err)
		assert.Equal(t, tc.want, s.handler.dedup.window)
		assert.Equal(t, DefaultDedupSize, s.handler.dedup.size)
	}
}
