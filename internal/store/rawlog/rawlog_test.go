package rawlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/vfs"
)

// rec is record seq with a payload that names it and a time of seq seconds.
func rec(seq uint64) Record {
	return Record{Seq: seq, At: int64(seq) * 1e9,
		Payload: bytes.Repeat([]byte(fmt.Sprintf("uplink %d;", seq)), int(seq%7)+1)}
}

func recs(from, n uint64) []Record {
	out := make([]Record, 0, n)
	for s := from; s < from+n; s++ {
		out = append(out, rec(s))
	}
	return out
}

func openLog(t *testing.T, fs vfs.FS, dir string, opt Options) *Log {
	t.Helper()
	l, err := Open(fs, dir, opt, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// writeClosed writes rs, per at a time, into a new log in dir on the real disk and closes it.
func writeClosed(t *testing.T, dir string, opt Options, rs []Record, per int) {
	t.Helper()
	l, err := Open(vfs.Default, dir, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, l, rs, per)
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func appendAll(t *testing.T, l *Log, rs []Record, per int) {
	t.Helper()
	for len(rs) > 0 {
		n := min(per, len(rs))
		if err := l.Append(rs[:n]...); err != nil {
			t.Fatalf("Append %d..: %v", rs[0].Seq, err)
		}
		rs = rs[n:]
	}
}

// scanAll returns every record after afterSeq, with copied payloads.
func scanAll(t *testing.T, l *Log, afterSeq uint64) []Record {
	t.Helper()
	var out []Record
	err := l.Scan(afterSeq, func(r Record) bool {
		r.Payload = bytes.Clone(r.Payload)
		out = append(out, r)
		return true
	})
	if err != nil {
		t.Fatalf("Scan(%d): %v", afterSeq, err)
	}
	return out
}

func sameRecords(t *testing.T, what string, got, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Seq != w.Seq || g.At != w.At || !bytes.Equal(g.Payload, w.Payload) {
			t.Fatalf("%s: record %d = {%d %d %q}, want {%d %d %q}", what, i, g.Seq, g.At,
				g.Payload, w.Seq, w.At, w.Payload)
		}
	}
}

// TestScanGetSince checks the three reads on one segment and on many small ones, from
// every starting point, with records appended one at a time and in batches.
func TestScanGetSince(t *testing.T) {
	for _, segSize := range []int64{DefaultSegmentSize, 300} {
		for _, per := range []int{1, 17} {
			t.Run(fmt.Sprintf("segment=%d/per=%d", segSize, per), func(t *testing.T) {
				l := openLog(t, vfs.NewMem(), "raw", Options{SegmentSize: segSize})
				all := recs(1, 200)
				appendAll(t, l, all, per)
				if got := l.LastSeq(); got != 200 {
					t.Fatalf("LastSeq = %d, want 200", got)
				}
				for after := uint64(0); after <= 201; after++ {
					sameRecords(t, fmt.Sprintf("Scan(%d)", after), scanAll(t, l, after),
						all[min(after, 200):])
				}
				for seq := uint64(0); seq <= 201; seq++ {
					r, ok, err := l.Get(seq)
					if err != nil || ok != (seq >= 1 && seq <= 200) {
						t.Fatalf("Get(%d) = %v, %v", seq, ok, err)
					}
					if ok {
						sameRecords(t, fmt.Sprintf("Get(%d)", seq), []Record{r}, all[seq-1:seq])
					}
				}
				for _, from := range []uint64{1, 2, 33, 150, 200} {
					var got []Record
					err := l.Since(int64(from)*1e9, func(r Record) bool {
						got = append(got, Record{Seq: r.Seq, At: r.At, Payload: bytes.Clone(r.Payload)})
						return true
					})
					if err != nil {
						t.Fatalf("Since: %v", err)
					}
					sameRecords(t, fmt.Sprintf("Since(%d s)", from), got, all[from-1:])
				}
			})
		}
	}
}

// TestScanStops checks that Scan stops when fn says so.
func TestScanStops(t *testing.T) {
	l := openLog(t, vfs.NewMem(), "raw", Options{SegmentSize: 200})
	appendAll(t, l, recs(1, 50), 5)
	n := 0
	if err := l.Scan(10, func(Record) bool { n++; return n < 7 }); err != nil || n != 7 {
		t.Fatalf("Scan stopped after %d, %v; want 7", n, err)
	}
}

// TestAppendOrder checks that sequence numbers must increase, within a call and across.
func TestAppendOrder(t *testing.T) {
	l := openLog(t, vfs.NewMem(), "raw", Options{})
	appendAll(t, l, recs(5, 3), 3)
	for _, bad := range [][]Record{{rec(7)}, {rec(3)}, {rec(9), rec(9)}, {rec(10), rec(8)}} {
		if err := l.Append(bad...); !errors.Is(err, ErrOrder) {
			t.Fatalf("Append %d.. after 7: %v, want ErrOrder", bad[0].Seq, err)
		}
	}
	appendAll(t, l, recs(20, 2), 2) // a gap is allowed
	got := scanAll(t, l, 0)
	sameRecords(t, "Scan", got, append(recs(5, 3), recs(20, 2)...))
}

// TestReopen checks that a closed log reopens with everything, from its index files, and
// that a damaged or missing index is rebuilt from its segment.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	all := recs(1, 300)
	writeClosed(t, dir, Options{SegmentSize: 1000}, all[:250], 9)
	idx, _ := filepath.Glob(filepath.Join(dir, "*.idx"))
	if len(idx) < 3 {
		t.Fatalf("%d index files, want several sealed segments", len(idx))
	}
	if err := os.WriteFile(idx[0], []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(idx[1]); err != nil {
		t.Fatal(err)
	}

	l := openLog(t, vfs.Default, dir, Options{SegmentSize: 1000})
	if got := l.LastSeq(); got != 250 {
		t.Fatalf("LastSeq after reopen = %d, want 250", got)
	}
	appendAll(t, l, all[250:], 9)
	sameRecords(t, "Scan after reopen", scanAll(t, l, 0), all)
	sameRecords(t, "Scan(120)", scanAll(t, l, 120), all[120:])
	if _, err := os.Stat(idx[1]); err != nil {
		t.Fatalf("removed index not rewritten: %v", err)
	}
}

// TestTornTail writes half a record after the last whole one, as a crash mid-write leaves
// it: the log opens with every whole record and appends after them in a new segment.
func TestTornTail(t *testing.T) {
	for _, cut := range []int{1, headerLen - 1, headerLen + 3} {
		t.Run(fmt.Sprintf("cut=%d", cut), func(t *testing.T) {
			dir := t.TempDir()
			writeClosed(t, dir, Options{}, recs(1, 20), 4)
			torn := appendRecord(nil, rec(21))[:cut]
			f, err := os.OpenFile(filepath.Join(dir, segmentName(1)), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(torn); err != nil {
				t.Fatal(err)
			}
			_ = f.Close()

			l := openLog(t, vfs.Default, dir, Options{})
			if got := l.LastSeq(); got != 20 {
				t.Fatalf("LastSeq = %d, want 20", got)
			}
			appendAll(t, l, recs(21, 5), 5)
			sameRecords(t, "Scan", scanAll(t, l, 0), recs(1, 25))
		})
	}
}

// TestDamagedRecord flips a byte inside the last segment: the log keeps the records before
// the damage.
func TestDamagedRecord(t *testing.T) {
	dir := t.TempDir()
	writeClosed(t, dir, Options{}, recs(1, 10), 10)
	path := filepath.Join(dir, segmentName(1))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	five := int64(len(appendRecord(nil, rec(1))) + len(appendRecord(nil, rec(2))) +
		len(appendRecord(nil, rec(3))) + len(appendRecord(nil, rec(4))) +
		len(appendRecord(nil, rec(5))))
	b[five+headerLen+2] ^= 0xff // inside record 6's payload
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	l := openLog(t, vfs.Default, dir, Options{})
	sameRecords(t, "Scan", scanAll(t, l, 0), recs(1, 5))
}

// TestCrash uses a file system that forgets every write not synced: what was appended
// before a Sync survives, whatever happened after it.
func TestCrash(t *testing.T) {
	fs := vfs.NewStrictMem()
	l, err := Open(fs, "raw", Options{SegmentSize: 500}, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, l, recs(1, 40), 3)
	if err := l.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	appendAll(t, l, recs(41, 40), 3)
	fs.SetIgnoreSyncs(true)
	_ = l.Close()
	fs.ResetToSyncedState()
	fs.SetIgnoreSyncs(false)

	l = openLog(t, fs, "raw", Options{SegmentSize: 500})
	got := scanAll(t, l, 0)
	if len(got) < 40 {
		t.Fatalf("%d records survived, want at least the 40 synced", len(got))
	}
	sameRecords(t, "Scan", got, recs(1, uint64(len(got))))
	next := l.LastSeq() + 1
	appendAll(t, l, recs(next, 3), 3)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	sameRecords(t, "Scan after append", scanAll(t, l, 0), recs(1, next+2))
}

// TestConcurrent reads while appending; run with -race.
func TestConcurrent(t *testing.T) {
	l := openLog(t, vfs.NewMem(), "raw", Options{SegmentSize: 2000})
	all := recs(1, 400)
	var wg sync.WaitGroup
	wg.Go(func() { appendAll(t, l, all, 3) })
	wg.Go(func() {
		for range 200 {
			var prev uint64
			err := l.Scan(0, func(r Record) bool {
				if r.Seq != prev+1 {
					t.Errorf("Scan: %d after %d", r.Seq, prev)
				}
				prev = r.Seq
				return true
			})
			if err != nil {
				t.Errorf("Scan: %v", err)
			}
			_ = l.Sync()
		}
	})
	wg.Wait()
	sameRecords(t, "Scan", scanAll(t, l, 0), all)
}

// TestClosed checks every call after Close.
func TestClosed(t *testing.T) {
	l, err := Open(vfs.NewMem(), "raw", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, l, recs(1, 2), 2)
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := l.Append(rec(3)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if err := l.Scan(0, func(Record) bool { return true }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Scan after Close: %v", err)
	}
}

// FuzzOpen opens a log whose only segment holds arbitrary bytes: it must open, keep a
// prefix of whole records with increasing numbers, and take new records after them.
func FuzzOpen(f *testing.F) {
	var good []byte
	for _, r := range recs(1, 4) {
		good = appendRecord(good, r)
	}
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		fs := vfs.NewMem()
		if err := fs.MkdirAll("raw", 0o755); err != nil {
			t.Fatal(err)
		}
		file, err := fs.Create(fs.PathJoin("raw", segmentName(1)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := file.Write(b); err != nil {
			t.Fatal(err)
		}
		_ = file.Close()
		l, err := Open(fs, "raw", Options{}, nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer l.Close()
		got := scanAll(t, l, 0)
		var prev uint64
		for _, r := range got {
			if r.Seq <= prev {
				t.Fatalf("record %d after %d", r.Seq, prev)
			}
			prev = r.Seq
		}
		if prev != l.LastSeq() {
			t.Fatalf("LastSeq = %d, last record %d", l.LastSeq(), prev)
		}
		next := Record{Seq: prev + 1, At: 1, Payload: []byte("after")}
		if err := l.Append(next); err != nil {
			t.Fatalf("Append: %v", err)
		}
		if r, ok, err := l.Get(next.Seq); err != nil || !ok || string(r.Payload) != "after" {
			t.Fatalf("Get(%d) = %q, %v, %v", next.Seq, r.Payload, ok, err)
		}
	})
}
