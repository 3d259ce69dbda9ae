package rawlog

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"
)

// TestDropBefore deletes the segments that hold only records before a time: every record
// at or after it stays, readable by Scan, Get and Since, also after a reopen; the files of
// the dropped segments are gone, and appends go on.
func TestDropBefore(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 1000}
	l := openLog(t, vfs.Default, dir, opt)
	appendAll(t, l, recs(1, 200), 3)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	before, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	cut := rec(120).At // records 1..119 came before it

	n, err := l.DropBefore(cut)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	idx, _ := filepath.Glob(filepath.Join(dir, "*.idx"))
	if n == 0 || len(after) != len(before)-n || len(idx) != len(after)-1 {
		t.Fatalf("dropped %d of %d segments: %d left, %d indexes", n, len(before), len(after),
			len(idx))
	}
	check := func(what string, l *Log) {
		t.Helper()
		got := scanAll(t, l, 0)
		first := l.FirstSeq()
		if first < 2 || first > 120 {
			t.Fatalf("%s: first kept %d, want some dropped and none from 120 on", what, first)
		}
		if got[0].Seq != first {
			t.Fatalf("%s: Scan starts at %d, FirstSeq says %d", what, got[0].Seq, first)
		}
		sameRecords(t, what+": Scan", got, recs(first, 201-first))
		if _, ok, err := l.Get(first - 1); err != nil || ok {
			t.Fatalf("%s: Get(%d) of a dropped record: %v %v", what, first-1, ok, err)
		}
		if g, ok, err := l.Get(150); err != nil || !ok || g.Seq != 150 {
			t.Fatalf("%s: Get(150): %v %v", what, ok, err)
		}
		var since []Record
		if err := l.Since(0, func(r Record) bool { since = append(since, r); return true }); err != nil {
			t.Fatal(err)
		}
		if len(since) != len(got) {
			t.Fatalf("%s: Since(0) gave %d records, Scan %d", what, len(since), len(got))
		}
	}
	check("after DropBefore", l)
	if n, err := l.DropBefore(cut); err != nil || n != 0 {
		t.Fatalf("second DropBefore: %d, %v", n, err)
	}
	_ = l.Close()

	l = openLog(t, vfs.Default, dir, opt)
	check("after reopen", l)
	appendAll(t, l, recs(201, 20), 4)
	if got := scanAll(t, l, 200); len(got) != 20 {
		t.Fatalf("appended after the drop: %d records", len(got))
	}
}

// TestDropBeforeKeepsActive drops with a time after every record: the active segment stays,
// and with it the newest records.
func TestDropBeforeKeepsActive(t *testing.T) {
	l := openLog(t, vfs.NewMem(), "raw", Options{SegmentSize: 1000})
	if n, err := l.DropBefore(time.Now().UnixNano()); err != nil || n != 0 {
		t.Fatalf("DropBefore of an empty log: %d, %v", n, err)
	}
	appendAll(t, l, recs(1, 100), 5)
	if _, err := l.DropBefore(rec(1000).At); err != nil {
		t.Fatal(err)
	}
	got := scanAll(t, l, 0)
	if len(got) == 0 || got[len(got)-1].Seq != 100 {
		t.Fatalf("after dropping everything droppable: %d records", len(got))
	}
	if l.FirstSeq() != got[0].Seq {
		t.Fatalf("FirstSeq %d, first record %d", l.FirstSeq(), got[0].Seq)
	}
}

// TestDropWhileReading runs DropBefore beside Scans, Gets and Appends; with -race. A reader
// sees either the dropped records or not, never an error.
func TestDropWhileReading(t *testing.T) {
	l := openLog(t, vfs.NewMem(), "raw", Options{SegmentSize: 800})
	appendAll(t, l, recs(1, 100), 2)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 50 {
				var prev uint64
				err := l.Scan(0, func(r Record) bool {
					if prev != 0 && r.Seq != prev+1 {
						t.Errorf("Scan went from %d to %d", prev, r.Seq)
					}
					prev = r.Seq
					return true
				})
				if err != nil {
					t.Error(err)
				}
				if _, _, err := l.Get(90); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for s := uint64(101); s < 300; s += 2 {
			if err := l.Append(recs(s, 2)...); err != nil {
				t.Error(err)
			}
		}
	})
	for s := uint64(10); s < 300; s += 10 {
		if _, err := l.DropBefore(rec(s).At); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

// TestDropBeforeReadsLittle: after a reopen the sealed segments' newest times come from
// reading them; a DropBefore reads only as far as the first segment it keeps, not the
// whole log.
func TestDropBeforeReadsLittle(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentSize: 600}
	writeClosed(t, dir, opt, recs(1, 200), 4)
	l := openLog(t, vfs.Default, dir, opt)
	if n, err := l.DropBefore(rec(30).At); err != nil || n == 0 {
		t.Fatalf("DropBefore: %d, %v", n, err)
	}
	learnt := 0
	for _, seg := range l.segs[:len(l.segs)-1] {
		if seg.newestKnown {
			learnt++
		}
	}
	if learnt != 1 {
		t.Errorf("%d of the %d segments kept were read to learn their newest time, want 1",
			learnt, len(l.segs)-1)
	}
}
