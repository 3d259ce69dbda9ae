package pebblestore

import (
	"errors"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/vfs"
)

// rawFailFS fails every write to the raw log's files once armed, as a full disk would,
// and leaves Pebble's files alone.
type rawFailFS struct {
	vfs.FS
	armed atomic.Bool
}

type rawFailFile struct {
	vfs.File
	fs *rawFailFS
}

func (fs *rawFailFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || !strings.HasPrefix(name, "raw") {
		return f, err
	}
	return &rawFailFile{File: f, fs: fs}, nil
}

func (fs *rawFailFS) Create(name string) (vfs.File, error) {
	f, err := fs.FS.Create(name)
	return fs.wrap(name, f, err)
}

func (fs *rawFailFS) OpenReadWrite(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, opts...)
	return fs.wrap(name, f, err)
}

func (f *rawFailFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fs.armed.Load() {
		return 0, syscall.ENOSPC
	}
	return f.File.WriteAt(p, off)
}

// TestHealthAfterRawLogFailure fills the raw log's disk: Keep and Flush fail from then on,
// and Health says why, which is what /readyz reports.
func TestHealthAfterRawLogFailure(t *testing.T) {
	fs := &rawFailFS{FS: vfs.NewMem()}
	log, _ := captureLog(t)
	s, err := open("", Options{}, log, fs)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keepAll(t, s, rawsFor(0, 3))
	if err := s.Health(); err != nil {
		t.Fatalf("Health of a working store = %v", err)
	}

	fs.armed.Store(true)
	if _, err := s.Keep(t.Context(), rawsFor(3, 2)...); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Keep on a full disk = %v, want ENOSPC", err)
	}
	fs.armed.Store(false) // space again: the log stays failed, its end is unknown
	if err := s.Health(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Health after the failure = %v, want ENOSPC", err)
	}
	if _, err := s.Keep(t.Context(), rawsFor(5, 1)...); err == nil {
		t.Fatal("Keep after the failure succeeded")
	}
	if err := s.Flush(t.Context()); err == nil {
		t.Fatal("Flush after the failure succeeded")
	}
	if got := dedupKeys(t, s, "00"); len(got) != 2 {
		t.Fatalf("device 00 has %v, want the two kept before the failure", got)
	}
}
