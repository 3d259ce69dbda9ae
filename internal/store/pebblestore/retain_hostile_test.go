package pebblestore

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/store"
)

// keptKeys returns the dedup keys of every raw uplink in s, by sequence number.
func keptKeys(t *testing.T, s *Store) map[string]bool {
	t.Helper()
	all, err := s.Raw(t.Context(), "", 0, 0)
	if err != nil {
		t.Fatalf("Raw: %v", err)
	}
	out := map[string]bool{}
	for _, r := range all {
		out[r.DedupKey] = true
	}
	return out
}

// youngLost returns the keys of rs received at or after cut that s no longer holds.
func youngLost(t *testing.T, s *Store, rs []store.RawUplink, cut time.Time) []string {
	t.Helper()
	have := keptKeys(t, s)
	var lost []string
	for _, r := range rs {
		if !r.ReceivedAt.Before(cut) && !have[r.DedupKey] {
			lost = append(lost, r.DedupKey)
		}
	}
	return lost
}

// TestRetainDropRawAfterTornSegment: a crash tore the first record of a new raw log segment.
// The store numbers the next uplink as the torn one was, so the log gets a second segment
// of the same file name. A retention drop whose cut lies after that uplink deletes the
// empty segment's file, which is the live one: after a restart the uplinks from the cut on
// are gone.
func TestRetainDropRawAfterTornSegment(t *testing.T) {
	dir := t.TempDir()
	opt := Options{RawSegmentSize: 2000, IndexSpan: 8}
	s := openDir(t, dir, opt)
	keepAll(t, s, rawsFor(0, 100))
	last := s.lastSeq()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	torn := filepath.Join(dir, "raw", fmt.Sprintf("%020d.seg", last+1))
	if err := os.WriteFile(torn, []byte{9, 0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}

	s = openDir(t, dir, opt)
	more := rawsFor(100, 10)
	keepAll(t, s, more)
	cut := more[5].ReceivedAt
	if _, err := s.DropRawBefore(t.Context(), cut); err != nil {
		t.Fatal(err)
	}
	if lost := youngLost(t, s, more, cut); len(lost) > 0 {
		t.Fatalf("before restart: lost %v", lost)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openDir(t, dir, opt)
	if lost := youngLost(t, s, more, cut); len(lost) > 0 {
		t.Fatalf("after restart: uplinks received after the cut are gone: %v", lost)
	}
}

// TestRetainDropRawConcurrent runs DropRawBefore with rising cuts beside Keep, Raw (all and
// by device, in pages), Since and Flush; with -race. Nothing at or after a cut may go, the
// device index must agree with the log, also after a crash and a clean reopen, and no
// device block may name only deleted uplinks once the drops are done.
func TestRetainDropRawConcurrent(t *testing.T) {
	devs := []string{"a", "ab", "abc", "\xff", "0102030405060708"}
	opt := Options{RawSegmentSize: 1500, IndexSpan: 5}
	fs := vfs.NewStrictMem()
	s, err := open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var all []store.RawUplink
	mk := func(k int) store.RawUplink {
		return store.RawUplink{ReceivedAt: t0.Add(time.Duration(k) * time.Second),
			DevEUI: devs[rng.IntN(len(devs))], DedupKey: fmt.Sprint("k", k),
			Envelope: fmt.Appendf(nil, `{"n":%d}`, k), Outcome: "decoded"}
	}
	const n = 1500
	for k := range n {
		all = append(all, mk(k))
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		defer close(stop)
		for i := 0; i < n; i += 7 {
			if _, err := s.Keep(t.Context(), all[i:min(i+7, n)]...); err != nil {
				t.Errorf("Keep: %v", err)
				return
			}
			if i%21 == 0 {
				if err := s.Flush(t.Context()); err != nil {
					t.Errorf("Flush: %v", err)
					return
				}
			}
		}
	})
	loop := func(fn func() error) {
		repeatUntil(&wg, stop, fn, func(err error) { t.Errorf("reader: %v", err) })
	}
	for _, dev := range devs {
		loop(func() error {
			var prev uint64
			for after := uint64(0); ; {
				page, err := s.Raw(t.Context(), dev, after, 9)
				if err != nil {
					return err
				}
				for _, r := range page {
					if r.DevEUI != dev || r.Seq <= prev {
						return fmt.Errorf("Raw(%q): seq %d of %q after %d", dev, r.Seq,
							r.DevEUI, prev)
					}
					prev = r.Seq
				}
				if len(page) < 9 {
					return nil
				}
				after = page[len(page)-1].Seq
			}
		})
	}
	loop(func() error { _, err := s.Since(t.Context(), t0.Add(400*time.Second)); return err })
	loop(func() error { _, err := s.Raw(t.Context(), "", 0, 50); return err })
	cut := t0 // follows the Keeps 200 uplinks behind: uplink k is seq k+1, second k
	for done := false; !done; {
		select {
		case <-stop:
			done = true
		default:
		}
		if last := s.lastSeq(); last > 200 {
			cut = t0.Add(time.Duration(last-200) * time.Second)
		}
		if _, err := s.DropRawBefore(t.Context(), cut); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if _, err := s.DropRawBefore(t.Context(), cut); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}

	checkAll := func(what string, s *Store) {
		t.Helper()
		if lost := youngLost(t, s, all, cut); len(lost) > 0 {
			t.Fatalf("%s: cut %v, lost %d younger uplinks: %v", what, cut.Sub(t0), len(lost),
				lost[:min(len(lost), 10)])
		}
		indexAgreesWithLog(t, s, devs)
	}
	t.Logf("cut at second %v, first seq kept %d of %d", cut.Sub(t0).Seconds(),
		s.raw.FirstSeq(), s.lastSeq())
	checkAll("after the drops", s)
	if stale := staleBlocks(t, s); stale > 0 {
		t.Errorf("after the drops: %d device blocks name only deleted uplinks", stale)
	}
	crash(s, fs)
	s, err = open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	checkAll("after a crash", s)
	next, err := s.Keep(t.Context(), mk(n), mk(n+1))
	if err != nil || next <= highestIndexed(t, s)-2 {
		t.Fatalf("Keep after crash: %d, %v", next, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	checkAll("after a clean reopen", s)
	_ = s.Close()
}

// staleBlocks counts the device blocks whose numbers all lie below the log's first.
func staleBlocks(t *testing.T, s *Store) int {
	t.Helper()
	first := s.raw.FirstSeq()
	it, err := s.db.NewIter(prefixBounds(prefixDevBlock))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		if _, err := devKeyEUI(it.Key(), prefixDevBlock); err != nil {
			t.Fatal(err)
		}
		plen := len(it.Key()) - 8
		var seqs []uint64
		if err := eachSeq(it.Key(), plen, it.Value(), func(q uint64) bool {
			seqs = append(seqs, q)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if slices.Max(seqs) < first {
			n++
		}
	}
	return n
}

// TestRetainCrashBetweenDropAndPrune: the log's segments go but the store crashes before
// the device blocks that name them are deleted. After the reopen Raw by device must still
// agree with the log, and the next DropRawBefore must delete those blocks.
func TestRetainCrashBetweenDropAndPrune(t *testing.T) {
	devs := []string{"00", "01"}
	opt := Options{RawSegmentSize: 2000, IndexSpan: 4}
	fs := vfs.NewStrictMem()
	s, err := open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	rs := rawsFor(0, 600)
	for i := 0; i < len(rs); i += 20 {
		keepAll(t, s, rs[i:i+20])
	}
	cut := t0.Add(300 * time.Second)
	if n, err := s.raw.DropBefore(cut.UnixNano()); err != nil || n == 0 {
		t.Fatalf("raw DropBefore: %d, %v", n, err)
	}
	crash(s, fs)

	s, err = open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	indexAgreesWithLog(t, s, devs)
	if lost := youngLost(t, s, rs, cut); len(lost) > 0 {
		t.Fatalf("lost %v", lost)
	}
	if _, err := s.DropRawBefore(t.Context(), cut); err != nil {
		t.Fatal(err)
	}
	if n := staleBlocks(t, s); n > 0 {
		t.Fatalf("after DropRawBefore on reopen: %d stale device blocks", n)
	}
	indexAgreesWithLog(t, s, devs)
	_ = s.Close()
}

// TestRetainDropRawExtremeTimes: cuts far in the past, at the zero time, at the limits of
// Unix nanoseconds and far in the future. None may fail; the future ones delete every
// sealed segment but keep the active one and its uplinks, and Keep goes on numbering.
func TestRetainDropRawExtremeTimes(t *testing.T) {
	s := openDir(t, t.TempDir(), Options{RawSegmentSize: 1000, IndexSpan: 3})
	keepAll(t, s, rawsFor(0, 300))
	last := s.lastSeq()
	for _, cut := range []time.Time{{}, time.Unix(-1<<62, 0), minTime, minTime.Add(1),
		time.Unix(0, 0), maxTime, maxTime.Add(time.Hour), time.Unix(1<<62, 0)} {
		if _, err := s.DropRawBefore(t.Context(), cut); err != nil {
			t.Fatalf("DropRawBefore(%v): %v", cut, err)
		}
	}
	all, err := s.Raw(t.Context(), "", 0, 0)
	if err != nil || len(all) == 0 || all[len(all)-1].Seq != last {
		t.Fatalf("after dropping everything: %d uplinks, %v; the newest must stay", len(all), err)
	}
	indexAgreesWithLog(t, s, []string{"00", "01"})
	seq, err := s.Keep(t.Context(), rawsFor(300, 1)...)
	if err != nil || seq != last+1 {
		t.Fatalf("Keep after: %d, %v; want %d", seq, err, last+1)
	}
}

// TestRetainFlushWhileDropAll: DropRawBefore with a cut after every uplink (a caller's clock
// ahead, or uplinks kept with old reception times) beside Keep and Flush, as the pipeline
// runs them. Flush syncs the raw log's active file outside its lock; a drop that deletes
// the segment just sealed closes that file under it, and the log refuses every later Keep.
func TestRetainFlushWhileDropAll(t *testing.T) {
	s := openDir(t, t.TempDir(), Options{RawSegmentSize: 300})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 3)
	forever := func(fn func() error) {
		repeatUntil(&wg, stop, fn, func(err error) { errs <- err })
	}
	k := 0
	forever(func() error {
		k++
		_, err := s.Keep(t.Context(), rawsFor(k, 1)...)
		return err
	})
	forever(func() error { return s.Flush(t.Context()) })
	forever(func() error {
		_, err := s.DropRawBefore(t.Context(), time.Now().Add(time.Hour))
		return err
	})
	var err error
	select {
	case err = <-errs:
	case <-time.After(3 * time.Second):
	}
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
}

// segFiles counts the raw log's segment files on fs.
func segFiles(t *testing.T, fs vfs.FS) int {
	t.Helper()
	names, err := fs.List("raw")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range names {
		if filepath.Ext(name) == ".seg" {
			n++
		}
	}
	return n
}

// TestRetainDropThenCrashReusesSeqs: a drop deletes every sealed segment while the active
// one holds only an unsynced record; a crash then loses that record. The log left is one
// empty segment, so its LastSeq is 0, and with no device block written yet the store
// numbers the next uplinks from 1 again, into a segment named after a higher number. Those
// uplinks must survive a restart, and numbers given out before the crash (and flushed)
// must not be given out again.
func TestRetainDropThenCrashReusesSeqs(t *testing.T) {
	opt := Options{RawSegmentSize: 300}
	fs := vfs.NewStrictMem()
	s, err := open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for segFiles(t, fs) < 4 {
		keepAll(t, s, rawsFor(k, 1)) // kept and flushed
		k++
	}
	flushedTop := s.lastSeq()
	for n := segFiles(t, fs); segFiles(t, fs) == n; k++ { // up to a roll, not flushed
		if _, err := s.Keep(t.Context(), rawsFor(k, 1)...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DropRawBefore(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	crash(s, fs)

	s, err = open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := s.Keep(t.Context(), rawsFor(1000, 3)...)
	if err != nil {
		t.Fatal(err)
	}
	if seq-2 <= flushedTop {
		t.Errorf("after the crash new uplinks got %d..%d; %d..%d were given out and flushed "+
			"before it", seq-2, seq, 1, flushedTop)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs := rawsFor(1000, 3)
	if lost := youngLost(t, s, rs, rs[0].ReceivedAt); len(lost) > 0 {
		t.Fatalf("uplinks kept and flushed after the crash are gone after a clean restart: %v",
			lost)
	}
}
