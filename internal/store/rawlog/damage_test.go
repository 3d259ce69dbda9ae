package rawlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/vfs"
)

// TestTornFirstRecordThenRoll: a segment whose only bytes are a torn first record (a
// crash or a full disk during the first write after a roll). Open seals it at size 0 and
// writes its index; the next Append creates a segment of the same name. After a roll and a
// reopen, the records of that segment must still be there.
func TestTornFirstRecordThenRoll(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 600}
	l := tornFirstThenReopen(t, dir, opt)
	if got := l.LastSeq(); got != 20 {
		t.Fatalf("LastSeq = %d, want 20", got)
	}
	appendAll(t, l, recs(21, 40), 4) // 21.. goes to a new segment named 21, then rolls
	sameRecords(t, "Scan before reopen", scanAll(t, l, 0), recs(1, 60))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l = openLog(t, vfs.Default, dir, opt)
	if got := l.LastSeq(); got != 60 {
		t.Errorf("LastSeq after reopen = %d, want 60", got)
	}
	got := scanAll(t, l, 0)
	if len(got) != 60 {
		t.Errorf("after reopen: %d records, want 60", len(got))
	}
	for _, s := range []uint64{21, 22, 24} {
		if _, ok, err := l.Get(s); err != nil || !ok {
			t.Errorf("Get(%d) after reopen: found %v, %v", s, ok, err)
		}
	}
}

// TestReopenTwiceAfterTornTail reopens twice without appending, then appends: no
// second sealed segment, no change in numbering.
func TestReopenTwiceAfterTornTail(t *testing.T) {
	dir := t.TempDir()
	writeClosed(t, dir, Options{}, recs(1, 10), 3)
	f, err := os.OpenFile(filepath.Join(dir, segmentName(1)), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write(appendRecord(nil, rec(11))[:5])
	_ = f.Close()
	for range 3 {
		l, err := Open(vfs.Default, dir, Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if l.LastSeq() != 10 {
			t.Fatalf("LastSeq = %d", l.LastSeq())
		}
		_ = l.Close()
	}
	l := openLog(t, vfs.Default, dir, Options{})
	appendAll(t, l, recs(11, 5), 5)
	_ = l.Close()
	l = openLog(t, vfs.Default, dir, Options{})
	sameRecords(t, "Scan", scanAll(t, l, 0), recs(1, 15))
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) != 2 {
		t.Errorf("%d segments: %v", len(segs), segs)
	}
}

// failFS fails writes once armed: the first failing write writes part of its bytes, as a
// full disk does.
type failFS struct {
	vfs.FS
	budget atomic.Int64 // bytes still writable; negative: unlimited
}

type failFile struct {
	vfs.File
	fs *failFS
}

var errNoSpace = fmt.Errorf("test disk: %w", syscall.ENOSPC)

func (fs *failFS) Create(name string) (vfs.File, error) {
	f, err := fs.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return &failFile{File: f, fs: fs}, nil
}

func (fs *failFS) OpenReadWrite(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, opts...)
	if err != nil {
		return nil, err
	}
	return &failFile{File: f, fs: fs}, nil
}

func (fs *failFS) take(n int) int {
	b := fs.budget.Load()
	if b < 0 {
		return n
	}
	k := min(int64(n), b)
	fs.budget.Store(b - k)
	return int(k)
}

func (f *failFile) Write(p []byte) (int, error) {
	k := f.fs.take(len(p))
	n, err := f.File.Write(p[:k])
	if err == nil && k < len(p) {
		err = errNoSpace
	}
	return n, err
}

func (f *failFile) WriteAt(p []byte, off int64) (int, error) {
	k := f.fs.take(len(p))
	n, err := f.File.WriteAt(p[:k], off)
	if err == nil && k < len(p) {
		err = errNoSpace
	}
	return n, err
}

// TestDiskFull fills the disk in the middle of a record: Append and Sync fail and keep
// failing; after a restart with space again every record before the failure is there and
// new ones follow.
func TestDiskFull(t *testing.T) {
	for _, budget := range []int64{0, 5, 700, 1199, 1300} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			mem := vfs.NewMem()
			fs := &failFS{FS: mem}
			fs.budget.Store(-1)
			opt := Options{SegmentSize: 1000}
			l, err := Open(fs, "raw", opt, nil)
			if err != nil {
				t.Fatal(err)
			}
			appendAll(t, l, recs(1, 30), 3)
			if err := l.Sync(); err != nil {
				t.Fatal(err)
			}
			fs.budget.Store(budget)
			var failedAt uint64
			for s := uint64(31); s < 200; s += 3 {
				if err := l.Append(recs(s, 3)...); err != nil {
					failedAt = s
					break
				}
			}
			if failedAt == 0 {
				t.Fatal("no Append failed")
			}
			if err := l.Append(rec(500)); err == nil {
				t.Error("Append after a failed write succeeded")
			}
			if err := l.Sync(); err == nil {
				t.Error("Sync after a failed write succeeded")
			}
			_ = l.Close()

			fs.budget.Store(-1)
			for round := range 3 {
				l, err = Open(fs, "raw", opt, nil)
				if err != nil {
					t.Fatalf("reopen %d: %v", round, err)
				}
				got := scanAll(t, l, 0)
				if uint64(len(got)) != failedAt-1 {
					// Records of the Append that failed survive: the caller was told they
					// were not kept.
					t.Logf("budget %d round %d: %d records after reopen, %d kept before the "+
						"failure", budget, round, len(got), failedAt-1)
				}
				if uint64(len(got)) < failedAt-1 {
					t.Fatalf("lost kept records")
				}
				sameRecords(t, "Scan after reopen", got, recs(1, uint64(len(got))))
				next := l.LastSeq() + 1
				appendAll(t, l, recs(next, 20), 4)
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				failedAt = next + 20
			}
		})
	}
}

// TestConcurrentEverything runs Append, Scan, Get, Since, Sync and finally Close at
// once; with -race.
func TestConcurrentEverything(t *testing.T) {
	l, err := Open(vfs.NewMem(), "raw", Options{SegmentSize: 300}, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := recs(1, 600)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		defer close(stop)
		for i := 0; i < len(all); i += 2 {
			if err := l.Append(all[i : i+2]...); err != nil {
				t.Errorf("Append: %v", err)
				return
			}
		}
	})
	reader := func(fn func() error) {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := fn(); err != nil {
					t.Errorf("read: %v", err)
					return
				}
			}
		})
	}
	reader(func() error {
		var prev uint64
		return l.Scan(0, func(r Record) bool {
			if r.Seq != prev+1 {
				t.Errorf("Scan %d after %d", r.Seq, prev)
			}
			prev = r.Seq
			return true
		})
	})
	reader(func() error {
		last := l.LastSeq()
		if last == 0 {
			return nil
		}
		r, ok, err := l.Get(last)
		if err == nil && (!ok || r.Seq != last) {
			t.Errorf("Get(%d) = %d, %v", last, r.Seq, ok)
		}
		return err
	})
	reader(func() error {
		return l.Since(100e9, func(r Record) bool {
			if r.At < 100e9 {
				t.Errorf("Since gave %d", r.At)
			}
			return true
		})
	})
	reader(l.Sync)
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
}

// TestRecordLargerThanSegment appends records larger than the segment size.
func TestRecordLargerThanSegment(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 10}
	l, err := Open(vfs.Default, dir, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := recs(1, 50)
	appendAll(t, l, want[:25], 1)
	appendAll(t, l, want[25:], 5)
	_ = l.Close()
	l = openLog(t, vfs.Default, dir, opt)
	sameRecords(t, "Scan", scanAll(t, l, 0), want)
	for _, r := range want {
		if g, ok, err := l.Get(r.Seq); err != nil || !ok || g.Seq != r.Seq {
			t.Fatalf("Get(%d): %v %v", r.Seq, ok, err)
		}
	}
}

// TestMiddleSegmentDeleted removes a middle segment file: Open works and reads the rest.
func TestMiddleSegmentDeleted(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 200}
	writeClosed(t, dir, opt, recs(1, 60), 3)
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 4 {
		t.Fatalf("%d segments", len(segs))
	}
	if err := os.Remove(segs[1]); err != nil {
		t.Fatal(err)
	}
	l := openLog(t, vfs.Default, dir, opt)
	got := scanAll(t, l, 0)
	if len(got) == 0 || got[len(got)-1].Seq != 60 {
		t.Fatalf("Scan after deleting a segment: %d records", len(got))
	}
	if _, ok, err := l.Get(60); err != nil || !ok {
		t.Fatalf("Get(60): %v %v", ok, err)
	}
}

// TestIndexLargerThanFile writes a valid index claiming more bytes than the segment.
func TestIndexLargerThanFile(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 200}
	writeClosed(t, dir, opt, recs(1, 60), 3)
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	fi, _ := os.Stat(segs[0])
	if err := os.Truncate(segs[0], fi.Size()-3); err != nil {
		t.Fatal(err)
	}
	l := openLog(t, vfs.Default, dir, opt)
	got := scanAll(t, l, 0)
	if got[len(got)-1].Seq != 60 {
		t.Fatalf("last = %d", got[len(got)-1].Seq)
	}
}
