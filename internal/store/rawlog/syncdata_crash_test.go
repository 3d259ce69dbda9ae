package rawlog

// Breaker tests of Sync's fdatasync (SyncData) on the active segment. The crash is Pebble's
// StrictMem, which keeps only what was synced; syncKindFS wraps it to count which kind of
// sync reached which file, and, for the check that these tests can fail at all, to play a
// disk that ignores fdatasync. No real disk can be crashed on demand.
//
// StrictMem implements SyncData as Sync (pebble vfs/mem_fs.go, memFile.SyncData), so no
// test on it can tell fdatasync from fsync: these check that Sync reaches the right file
// with a sync at the right time, not that the kernel's fdatasync writes the new size.

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/vfs"
)

// syncKindFS counts the syncs of segment and index files by kind; with lieData set,
// SyncData of a segment returns success without syncing.
type syncKindFS struct {
	*vfs.MemFS
	lieData        bool
	segSync, segDS atomic.Int64
	idxSync, idxDS atomic.Int64
}

type syncKindFile struct {
	vfs.File
	fs       *syncKindFS
	seg, idx bool
}

func (fs *syncKindFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return &syncKindFile{File: f, fs: fs, seg: strings.HasSuffix(name, ".seg"),
		idx: strings.HasSuffix(name, ".idx")}, nil
}

func (fs *syncKindFS) Create(name string) (vfs.File, error) {
	f, err := fs.MemFS.Create(name)
	return fs.wrap(name, f, err)
}

func (fs *syncKindFS) OpenReadWrite(name string, o ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.MemFS.OpenReadWrite(name, o...)
	return fs.wrap(name, f, err)
}

func (f *syncKindFile) Sync() error {
	if f.seg {
		f.fs.segSync.Add(1)
	}
	if f.idx {
		f.fs.idxSync.Add(1)
	}
	return f.File.Sync()
}

func (f *syncKindFile) SyncData() error {
	if f.idx {
		f.fs.idxDS.Add(1)
	}
	if !f.seg {
		return f.File.SyncData()
	}
	f.fs.segDS.Add(1)
	if f.fs.lieData {
		return nil
	}
	return f.File.SyncData()
}

// crashLog crashes the log on fs: Close's syncs are ignored, and what was not synced is lost.
func crashLog(l *Log, fs *syncKindFS) {
	fs.SetIgnoreSyncs(true)
	_ = l.Close()
	fs.ResetToSyncedState()
	fs.SetIgnoreSyncs(false)
}

// TestSyncDataKeepsGrownSegment appends to a segment that already holds synced records, so
// that the append changes its size, syncs, appends more without syncing and crashes: every
// record appended before the Sync must be there, in segments that are active, sealed on the
// way, or reopened after an earlier crash. The Sync of the grown segment must have been a
// SyncData: that is the path under test; seals and index files still use Sync.
func TestSyncDataKeepsGrownSegment(t *testing.T) {
	for _, segSize := range []int64{1 << 20, 600} { // one segment; several, sealed on the way
		t.Run(fmt.Sprint(segSize), func(t *testing.T) {
			fs := &syncKindFS{MemFS: vfs.NewStrictMem()}
			opt := Options{SegmentSize: segSize}
			synced := uint64(0)
			for round := range 3 { // rounds 1 and 2 grow the segment left by a crash
				l := openLog(t, fs, "raw", opt)
				got := scanAll(t, l, 0)
				if uint64(len(got)) < synced {
					t.Fatalf("round %d: %d records after the crash, %d were synced", round,
						len(got), synced)
				}
				sameRecords(t, "after the crash", got[:synced], recs(1, synced))
				next := l.LastSeq() + 1
				appendAll(t, l, recs(next, 5), 5)
				if err := l.Sync(); err != nil {
					t.Fatal(err)
				}
				appendAll(t, l, recs(next+5, 20), 4) // grows the active segment
				before := fs.segDS.Load()
				if err := l.Sync(); err != nil {
					t.Fatal(err)
				}
				if fs.segDS.Load() != before+1 {
					t.Fatalf("round %d: Sync of the grown segment made %d SyncData calls, "+
						"want 1", round, fs.segDS.Load()-before)
				}
				synced = next + 24
				appendAll(t, l, recs(next+25, 6), 3) // not synced: may be lost
				crashLog(l, fs)
			}
			t.Logf("segment syncs: %d Sync (seal), %d SyncData; index syncs: %d Sync, %d "+
				"SyncData", fs.segSync.Load(), fs.segDS.Load(), fs.idxSync.Load(),
				fs.idxDS.Load())
			if sealed := segSize < 1<<20; sealed && (fs.segSync.Load() == 0 ||
				fs.idxSync.Load() == 0 || fs.idxDS.Load() != 0) {
				t.Errorf("segments sealed on the way: sealed segments and index files must " +
					"be synced with Sync, not SyncData")
			}
		})
	}
}

// TestSyncDataCrashCheckCanFail runs the same crash on a disk that acknowledges fdatasync
// and keeps nothing: records of the grown segment must then be lost. It shows the crash
// check above depends on SyncData reaching the file system, so it is not vacuous.
func TestSyncDataCrashCheckCanFail(t *testing.T) {
	fs := &syncKindFS{MemFS: vfs.NewStrictMem()}
	l := openLog(t, fs, "raw", Options{SegmentSize: 1 << 20})
	appendAll(t, l, recs(1, 5), 5)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	fs.lieData = true
	appendAll(t, l, recs(6, 20), 4)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	crashLog(l, fs)

	l = openLog(t, fs, "raw", Options{SegmentSize: 1 << 20})
	if got := scanAll(t, l, 0); len(got) >= 25 {
		t.Fatalf("%d records survived a disk that ignored fdatasync; the crash check could "+
			"not tell", len(got))
	}
}
