package oslo

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/harkmq/hark/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulikunitz/xz/lzma"
)

const budgetTestBody = `{"event_type": "compute.x", "payload": {"k": "v"}, "priority": "INFO"}`

// zlibMessage is a message carrying body compressed as kombu does.
func zlibMessage(t *testing.T, body []byte) transport.Message {
	t.Helper()
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.DefaultCompression)
	require.NoError(t, err)
	_, err = w.Write(body)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return transport.Message{Body: buf.Bytes(), Header: transport.Header{HeaderCompression: CompressionGzip}}
}

// zlibBomb is a zlib message that inflates to 80 MiB of zeros.
func zlibBomb(t *testing.T) transport.Message {
	t.Helper()
	return zlibMessage(t, make([]byte, 80<<20))
}

// A bomb is refused without allocating beyond the limit: the body is read
// in chunks of at most MaxDecompressedSize+1 bytes in all, not into a
// buffer that doubles past it (to 128 MiB, after 128 MiB of smaller ones).
func TestDecodeNotification_bomb_allocates_at_most_the_limit(t *testing.T) {
	bomb := zlibBomb(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := DecodeNotification(bomb)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, transport.ErrDecode)
	assert.Contains(t, err.Error(), "larger than 64 MiB")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(MaxDecompressedSize*5/4), "bytes allocated to refuse the bomb")
}

// A decompression that finds the budget spent waits for room, and fails
// when its context ends, with an error that is not a decode error (the
// message is not at fault and must not be dead-lettered).
func TestDecompressionBudget_waits_for_room(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := NewDecompressionBudget(MinDecompressionBudget)
		require.NoError(t, err)
		require.NoError(t, b.sem.Acquire(t.Context(), b.size))
		msg := zlibMessage(t, []byte(budgetTestBody))

		ctx, cancel := context.WithCancel(t.Context())
		var waitErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, waitErr = b.DecodeNotification(ctx, msg)
		}()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("decoded although the budget was spent")
		default:
		}
		cancel()
		<-done
		require.ErrorIs(t, waitErr, context.Canceled)
		assert.NotErrorIs(t, waitErr, transport.ErrDecode)
		assert.Contains(t, waitErr.Error(), "waiting for decompression memory")

		var m *OsloMessage
		done = make(chan struct{})
		go func() {
			defer close(done)
			m, err = b.DecodeNotification(t.Context(), msg)
		}()
		synctest.Wait()
		b.sem.Release(b.size)
		<-done
		require.NoError(t, err)
		assert.Equal(t, "compute.x", m.EventType)
		require.True(t, b.sem.TryAcquire(b.size), "everything is given back")
	})
}

// A legacy .lzma header's dictionary is allocated by the reader before a
// byte is decoded: it is taken from the budget first, so a forged 64 MiB
// dictionary waits for room though the body itself is small.
func TestDecompressionBudget_counts_lzma_dictionaries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := NewDecompressionBudget(MinDecompressionBudget)
		require.NoError(t, err)
		// Leave room for small bodies only.
		require.NoError(t, b.sem.Acquire(t.Context(), b.size-2*smallReservation))

		var buf bytes.Buffer
		w, err := lzma.NewWriter(&buf)
		require.NoError(t, err)
		_, err = w.Write([]byte(budgetTestBody))
		require.NoError(t, err)
		require.NoError(t, w.Close())
		body := buf.Bytes()
		binary.LittleEndian.PutUint32(body[1:], 64<<20)     // the dictionary the header asks for
		binary.LittleEndian.PutUint64(body[5:], ^uint64(0)) // size unknown
		big := transport.Message{Body: body, Header: transport.Header{HeaderCompression: CompressionXz}}

		done := make(chan error, 1)
		go func() {
			_, err := b.DecodeNotification(t.Context(), big)
			done <- err
		}()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("the 64 MiB dictionary was allocated without room in the budget (err %v)", err)
		default:
		}
		b.sem.Release(b.size - 2*smallReservation)
		err = <-done
		require.NoError(t, err, "decodes once there is room")
	})
}

// Many bombs at once are all refused as too large, and none starves an
// ordinary body or the others.
func TestDecompressionBudget_concurrent_bombs(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates several 64 MiB bombs")
	}
	b, err := NewDecompressionBudget(MinDecompressionBudget)
	require.NoError(t, err)
	bomb := zlibBomb(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() { _, errs[i] = b.DecodeNotification(t.Context(), bomb) })
	}
	m, err := b.DecodeNotification(t.Context(), zlibMessage(t, []byte(budgetTestBody)))
	require.NoError(t, err)
	assert.Equal(t, "compute.x", m.EventType)
	wg.Wait()
	for i, err := range errs {
		require.ErrorIs(t, err, transport.ErrDecode, "bomb %d", i)
		assert.Contains(t, err.Error(), "larger than 64 MiB", "bomb %d", i)
	}
	require.True(t, b.sem.TryAcquire(b.size), "everything is given back")
}

func TestNewDecompressionBudget_too_small(t *testing.T) {
	_, err := NewDecompressionBudget(MaxDecompressedSize)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "below the minimum")
}
