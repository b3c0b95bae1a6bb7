package endpoints

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/cmd/internal/record"
	"github.com/harkmq/hark/dispatcher"
)

// fileEndpoint appends JSON Lines (record.Notification) to a file.
//
// Each notification, or each batch, is one write(2) on a file opened with
// O_APPEND, so the lines of concurrent handlers never interleave and a
// line is with the kernel before the notification is acknowledged: a
// crash of harkd loses nothing acknowledged (Sync adds fsync for power
// loss). Opening never truncates, so a restart appends.
type fileEndpoint struct {
	path     string
	maxSize  int64
	maxFiles int
	sync     bool

	mu   sync.Mutex
	f    *os.File
	size int64
}

func newFile(o config.FileOptions) (*fileEndpoint, error) {
	fe := &fileEndpoint{path: o.Path, maxSize: int64(o.MaxSize), maxFiles: o.MaxFiles, sync: o.Sync}
	if err := fe.open(); err != nil {
		return nil, err
	}
	return fe, nil
}

func (fe *fileEndpoint) open() error {
	if dir := filepath.Dir(fe.path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("file endpoint: %w", err)
		}
	}
	f, err := os.OpenFile(fe.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("file endpoint: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("file endpoint: %w", err)
	}
	fe.f, fe.size = f, st.Size()
	return nil
}

func (fe *fileEndpoint) Handle(_ context.Context, n *dispatcher.Notification) dispatcher.Result {
	return fe.write([]*dispatcher.Notification{n})
}

func (fe *fileEndpoint) HandleBatch(_ context.Context, ns []*dispatcher.Notification) dispatcher.Result {
	return fe.write(ns)
}

func (fe *fileEndpoint) write(ns []*dispatcher.Notification) dispatcher.Result {
	var buf bytes.Buffer
	for _, n := range ns {
		line, err := record.Marshal(n)
		if err != nil {
			// A payload that cannot be re-encoded will not encode next
			// time either.
			return dispatcher.Reject(fmt.Errorf("file endpoint: %w", err))
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if fe.f == nil {
		// A failed rotation left no file open: try again.
		if err := fe.open(); err != nil {
			return dispatcher.RequeueWith(err)
		}
	}
	if fe.maxSize > 0 && fe.size > 0 && fe.size+int64(buf.Len()) > fe.maxSize {
		if err := fe.rotate(); err != nil {
			return dispatcher.RequeueWith(err)
		}
	}
	n, err := fe.f.Write(buf.Bytes())
	fe.size += int64(n)
	if err != nil {
		// Disk full and the like: worth retrying later. A partial line
		// may be left; readers of JSON Lines skip a bad line.
		return dispatcher.RequeueWith(fmt.Errorf("file endpoint: write %s: %w", fe.path, err))
	}
	if fe.sync {
		if err := fe.f.Sync(); err != nil {
			return dispatcher.RequeueWith(fmt.Errorf("file endpoint: sync %s: %w", fe.path, err))
		}
	}
	return dispatcher.Handled
}

// rotate renames path.N-1 -> path.N ... path -> path.1, dropping the
// oldest, and opens a new path. Called with mu held.
func (fe *fileEndpoint) rotate() error {
	if err := fe.f.Close(); err != nil {
		fe.f = nil
		return fmt.Errorf("file endpoint: rotate %s: %w", fe.path, err)
	}
	fe.f = nil
	if fe.maxFiles <= 0 {
		if err := os.Remove(fe.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("file endpoint: rotate %s: %w", fe.path, err)
		}
		return fe.open()
	}
	for i := fe.maxFiles - 1; i >= 1; i-- {
		from := fe.path + "." + strconv.Itoa(i)
		if err := os.Rename(from, fe.path+"."+strconv.Itoa(i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("file endpoint: rotate %s: %w", from, err)
		}
	}
	if err := os.Rename(fe.path, fe.path+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("file endpoint: rotate %s: %w", fe.path, err)
	}
	return fe.open()
}

func (fe *fileEndpoint) Close() error {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if fe.f == nil {
		return nil
	}
	err := fe.f.Close()
	fe.f = nil
	return err
}
