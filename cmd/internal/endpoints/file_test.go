package endpoints

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/dispatcher"
)

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	return out
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

func TestFileExactKeysAppendAcrossRestart(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "sub", "n.jsonl")
	fe, err := newFile(config.FileOptions{Path: path})
	require.NoError(t, err)
	requireAction(t, dispatcher.Handled, fe.Handle(ctx, testNotification(t, "m1", "compute.instance.create.end", json.RawMessage(`{"state": "active", "html": "<b>"}`))))
	requireAction(t, dispatcher.Handled, fe.HandleBatch(ctx, []*dispatcher.Notification{
		testNotification(t, "m2", "a", 1), testNotification(t, "m3", "b", nil),
	}))
	require.NoError(t, fe.Close())

	// A restart appends; it does not truncate.
	fe, err = newFile(config.FileOptions{Path: path})
	require.NoError(t, err)
	requireAction(t, dispatcher.Handled, fe.Handle(ctx, testNotification(t, "m4", "c", "x")))
	require.NoError(t, fe.Close())

	lines := readLines(t, path)
	require.Len(t, lines, 4)
	for _, l := range lines {
		assert.Equal(t, []string{"context", "event_type", "metadata", "payload", "priority", "publisher_id"}, keys(l))
		assert.Equal(t, []string{"deliveries", "message_id", "timestamp"}, keys(l["metadata"].(map[string]any)))
	}
	first := lines[0]
	assert.Equal(t, "info", first["priority"])
	assert.Equal(t, "compute.instance.create.end", first["event_type"])
	assert.Equal(t, "compute.host1", first["publisher_id"])
	assert.Equal(t, map[string]any{"state": "active", "html": "<b>"}, first["payload"])
	assert.Equal(t, map[string]any{"request_id": "req-1"}, first["context"])
	assert.Equal(t, map[string]any{"message_id": "m1", "timestamp": "2024-01-02 03:04:05.678901", "deliveries": float64(1)}, first["metadata"])
	assert.Nil(t, lines[2]["payload"])
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"<b>"`, "no HTML escaping")
}

func TestFileRotation(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "n.jsonl")
	fe, err := newFile(config.FileOptions{Path: path, MaxSize: 300, MaxFiles: 2})
	require.NoError(t, err)
	defer fe.Close()
	for i := range 10 {
		requireAction(t, dispatcher.Handled, fe.Handle(ctx, testNotification(t, "m"+string(rune('0'+i)), "e", "x")))
	}
	total := 0
	for _, p := range []string{path, path + ".1", path + ".2"} {
		st, err := os.Stat(p)
		require.NoError(t, err, p)
		assert.LessOrEqual(t, st.Size(), int64(300), p)
		total += len(readLines(t, p))
	}
	_, err = os.Stat(path + ".3")
	assert.True(t, os.IsNotExist(err), "only max_files rotated files are kept")
	assert.Less(t, total, 10, "the oldest lines were rotated away")
	assert.Positive(t, total)
}
