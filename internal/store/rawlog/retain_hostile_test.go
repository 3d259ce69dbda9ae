package rawlog

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"
)

// tornFirstThenReopen writes records 1..20 into segments of 600 bytes, leaves a torn record
// 21 as the only bytes of segment 21 (a crash during the first write after a roll), and
// reopens: the log then holds an empty sealed segment named 21.
func tornFirstThenReopen(t *testing.T, dir string, opt Options) *Log {
	t.Helper()
	writeClosed(t, dir, opt, recs(1, 20), 4)
	torn := appendRecord(nil, rec(21))[:headerLen+2]
	if err := os.WriteFile(filepath.Join(dir, segmentName(21)), torn, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(vfs.Default, dir, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRetainDropAfterTornFirstRecordActive: after a torn first record, the next Append
// starts a second segment named 21 (the same file). A DropBefore whose cut lies after
// record 21 drops the empty sealed one, and with it removes the file of the active segment,
// which still holds every record from 21 on. After a reopen those records must be there.
func TestRetainDropAfterTornFirstRecordActive(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 600}
	l := tornFirstThenReopen(t, dir, opt)
	appendAll(t, l, recs(21, 5), 5) // 21..25 in the active segment named 21

	if _, err := l.DropBefore(rec(23).At); err != nil {
		t.Fatal(err)
	}
	// Records 23..25 are at or after the cut: DropBefore promises they stay.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openLog(t, vfs.Default, dir, opt)
	got := scanAll(t, l, 0)
	if len(got) == 0 || got[len(got)-1].Seq != 25 {
		t.Fatalf("after DropBefore(at of 23) and a reopen: %d records, last %v; want 21..25 kept",
			len(got), got)
	}
}

// TestRetainDropAfterTornFirstRecordSealed: as above, but the second segment 21 is sealed
// and followed by more; the cut lies inside it, so it must stay, yet its file goes with the
// empty segment of the same name.
func TestRetainDropAfterTornFirstRecordSealed(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 600}
	l := tornFirstThenReopen(t, dir, opt)
	appendAll(t, l, recs(21, 40), 4) // rolls: segment 21 sealed, later ones after it
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 6 {
		t.Fatalf("want several segments after 21, have %v", segs)
	}

	cut := rec(22).At // only records 1..21 came before it
	if _, err := l.DropBefore(cut); err != nil {
		t.Fatal(err)
	}
	inProcess := scanAll(t, l, 0)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openLog(t, vfs.Default, dir, opt)
	got := scanAll(t, l, 0)
	if len(got) != len(inProcess) || got[0].Seq > 22 {
		first := uint64(0)
		if len(got) > 0 {
			first = got[0].Seq
		}
		t.Fatalf("DropBefore(at of 22): %d records before the reopen, %d after, first %d; "+
			"records 22.. must stay", len(inProcess), len(got), first)
	}
}

// slowSyncFS delays every file Sync and SyncData: a stand-in for a slow disk or a descheduled thread,
// which widens the window between Sync taking the active file and syncing it. (A wrapper
// around the real file system, since no real disk can be made slow on demand.)
type slowSyncFS struct{ vfs.FS }

type slowSyncFile struct{ vfs.File }

func (f slowSyncFile) Sync() error {
	time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
	return f.File.Sync()
}

func (f slowSyncFile) SyncData() error {
	time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
	return f.File.SyncData()
}

func (fs slowSyncFS) Create(name string) (vfs.File, error) {
	f, err := fs.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return slowSyncFile{f}, nil
}

// TestRetainSyncWhileDropCloses: Sync takes the active segment's file under the lock and
// syncs it outside; an Append meanwhile seals that segment, and a DropBefore deletes it and
// closes its file. Sync then fails on a closed file, and the failure is sticky: the log
// takes no more records.
func TestRetainSyncWhileDropCloses(t *testing.T) {
	l := openLog(t, slowSyncFS{vfs.Default}, t.TempDir(), Options{SegmentSize: 200})
	var seq atomic.Uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	repeatUntil(&wg, stop, func() { _ = l.Sync() })
	repeatUntil(&wg, stop, func() { _, _ = l.DropBefore(1 << 62) })
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && l.Err() == nil {
		s := seq.Add(1)
		if err := l.Append(rec(s)); err != nil {
			break
		}
	}
	close(stop)
	wg.Wait()
	if err := l.Err(); err != nil {
		t.Fatalf("after %d appends beside Sync and DropBefore the log is failed: %v",
			seq.Load(), err)
	}
}

// TestRetainDropClockStepBack: the wall clock steps back an hour between two segments (an
// NTP correction); reception times then do not grow with sequence numbers. DropBefore with
// a cut inside the older segment's times deletes records that came after the cut.
func TestRetainDropClockStepBack(t *testing.T) {
	l := openLog(t, vfs.NewMem(), "raw", Options{SegmentSize: 600})
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	var rs []Record
	for s := uint64(1); s <= 40; s++ {
		r := rec(s)
		r.At = base + int64(s)*int64(time.Second)
		if s > 20 { // the clock stepped back an hour after record 20
			r.At -= int64(time.Hour)
		}
		rs = append(rs, r)
	}
	appendAll(t, l, rs, 1)
	cut := base + 19*int64(time.Second) // records 19 and 20 (and none of 21..40) are after it
	if _, err := l.DropBefore(cut); err != nil {
		t.Fatal(err)
	}
	var lost []uint64
	kept := map[uint64]bool{}
	for _, r := range scanAll(t, l, 0) {
		kept[r.Seq] = true
	}
	for _, r := range rs {
		if r.At >= cut && !kept[r.Seq] {
			lost = append(lost, r.Seq)
		}
	}
	if len(lost) > 0 {
		t.Fatalf("DropBefore deleted records received after the cut: %v", lost)
	}
}

// TestRetainDropThenCrashLastSeq: every sealed segment is dropped while the active one holds
// only a record not yet synced; a crash loses that record. The log must still know the
// numbers it gave out: LastSeq must not fall back to 0, and a record numbered below the
// active segment's first must not be taken into it (open would read it as the end).
func TestRetainDropThenCrashLastSeq(t *testing.T) {
	fs := vfs.NewStrictMem()
	opt := Options{SegmentSize: 300}
	l, err := Open(fs, "raw", opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, l, recs(1, 30), 1)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	synced := l.LastSeq()
	next := synced + 1
	for n := len(l.segs); len(l.segs) == n; next++ { // up to a roll, not synced
		appendAll(t, l, recs(next, 1), 1)
	}
	if _, err := l.DropBefore(1 << 62); err != nil {
		t.Fatal(err)
	}
	fs.SetIgnoreSyncs(true)
	_ = l.Close()
	fs.ResetToSyncedState()
	fs.SetIgnoreSyncs(false)

	l = openLog(t, fs, "raw", opt)
	if got := l.LastSeq(); got < synced {
		t.Errorf("LastSeq after the crash = %d; %d was synced before it", got, synced)
	}
	if err := l.Append(rec(1)); err == nil {
		_ = l.Close()
		l = openLog(t, fs, "raw", opt)
		if _, ok, _ := l.Get(1); !ok {
			t.Errorf("Append(1) into segment %d was accepted, and is gone after a reopen",
				l.FirstSeq())
		}
	}
}

// repeatUntil runs fn on a goroutine of wg, again and again, until stop is closed.
func repeatUntil(wg *sync.WaitGroup, stop <-chan struct{}, fn func()) {
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			fn()
		}
	})
}
