package pebblestore

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/store"
)

// hostileDevs are DevEUIs that are prefixes of each other, empty, end in 0xff (so that a
// prefix's successor carries) or long enough for a two-byte length prefix.
var hostileDevs = []string{"", "a", "ab", "abc", "ab\x00", "\xff", "\xff\xff", "\x01",
	strings.Repeat("L", 127), strings.Repeat("L", 128), strings.Repeat("L", 129),
	strings.Repeat("\xff", 300), strings.Repeat("x", 70000)}

// hostileRaws returns n raw uplinks whose devices are picked by rng from devs.
func hostileRaws(rng *rand.Rand, devs []string, from, n int) []store.RawUplink {
	out := make([]store.RawUplink, n)
	for i := range out {
		out[i] = store.RawUplink{DevEUI: devs[rng.IntN(len(devs))],
			DedupKey: fmt.Sprint("k", from+i), Envelope: fmt.Appendf(nil, `{"n":%d}`, from+i)}
	}
	return out
}

// seqsOf returns the sequence numbers of rs.
func seqsOf(rs []store.RawUplink) []uint64 {
	out := make([]uint64, len(rs))
	for i, r := range rs {
		out[i] = r.Seq
	}
	return out
}

// rawPages reads Raw(dev) after after in pages of limit.
func rawPages(t *testing.T, s *Store, dev string, after uint64, limit int) []store.RawUplink {
	t.Helper()
	var out []store.RawUplink
	for {
		page, err := s.Raw(t.Context(), dev, after, limit)
		if err != nil {
			t.Fatalf("Raw(%.8q, %d, %d): %v", dev, after, limit, err)
		}
		out = append(out, page...)
		if limit <= 0 || len(page) < limit {
			return out
		}
		after = page[len(page)-1].Seq
	}
}

// indexAgreesWithLog fails unless, for every device, Raw by device reads exactly the
// uplinks the whole log holds with its DevEUI, in order, whole and in pages, after 0, a
// middle number, its last, beyond the last and MaxUint64. It returns the log.
func indexAgreesWithLog(t *testing.T, s *Store, devs []string) []store.RawUplink {
	t.Helper()
	all, err := s.Raw(t.Context(), "", 0, 0)
	if err != nil {
		t.Fatalf("Raw all: %v", err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("log: seq %d after %d", all[i].Seq, all[i-1].Seq)
		}
	}
	byDev := map[string][]store.RawUplink{}
	for _, r := range all {
		byDev[r.DevEUI] = append(byDev[r.DevEUI], r)
	}
	for _, dev := range devs {
		if dev == "" {
			continue
		}
		want := byDev[dev]
		got := rawPages(t, s, dev, 0, 0)
		for _, r := range got {
			if r.DevEUI != dev {
				t.Fatalf("Raw(%.8q) returned seq %d of device %.8q", dev, r.Seq, r.DevEUI)
			}
		}
		if !slices.Equal(seqsOf(got), seqsOf(want)) {
			t.Fatalf("Raw(%.8q) = %v, the log holds %v", dev, seqsOf(got), seqsOf(want))
		}
		if p := rawPages(t, s, dev, 0, 1); !slices.Equal(seqsOf(p), seqsOf(want)) {
			t.Fatalf("Raw(%.8q) limit 1 = %v, want %v", dev, seqsOf(p), seqsOf(want))
		}
		if len(want) == 0 {
			continue
		}
		mid := want[len(want)/2].Seq
		if p := rawPages(t, s, dev, mid, 7); !slices.Equal(seqsOf(p),
			seqsOf(want[len(want)/2+1:])) {
			t.Fatalf("Raw(%.8q) after %d = %v", dev, mid, seqsOf(p))
		}
		if p := rawPages(t, s, dev, mid-1, 1); len(p) == 0 || p[0].Seq != mid {
			t.Fatalf("Raw(%.8q) after %d limit 1 = %v, want %d", dev, mid-1, seqsOf(p), mid)
		}
		lastSeq := want[len(want)-1].Seq
		for _, after := range []uint64{lastSeq, lastSeq + 1, s.lastSeq() + 10, math.MaxUint64} {
			if p, err := s.Raw(t.Context(), dev, after, 0); err != nil || len(p) != 0 {
				t.Fatalf("Raw(%.8q) after %d = %v, %v; want none", dev, after, seqsOf(p), err)
			}
		}
	}
	return all
}

// TestHostileDevOddDevEUIs keeps uplinks of DevEUIs that are prefixes of each other, empty,
// 0xff-ended and very long, with several IndexSpans, checks the index against the log
// after every Keep, and restarts in every way between rounds; numbering must go on.
func TestHostileDevOddDevEUIs(t *testing.T) {
	for _, span := range []int{1, 5, 0} {
		t.Run(fmt.Sprint("span", span), func(t *testing.T) {
			opt := Options{IndexSpan: span}
			rng := rand.New(rand.NewPCG(uint64(span), 9))
			fs := vfs.NewStrictMem()
			s, err := open("", opt, quiet(), fs)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			var flushed []store.RawUplink
			for round := range 4 {
				for range 3 {
					rs := hostileRaws(rng, hostileDevs, n, 1+rng.IntN(150))
					before := s.lastSeq()
					last, err := s.Keep(t.Context(), rs...)
					if err != nil {
						t.Fatal(err)
					}
					if last != before+uint64(len(rs)) {
						t.Fatalf("Keep of %d after %d = %d", len(rs), before, last)
					}
					n += len(rs)
					indexAgreesWithLog(t, s, hostileDevs)
				}
				if err := s.Flush(t.Context()); err != nil {
					t.Fatal(err)
				}
				flushed = indexAgreesWithLog(t, s, hostileDevs)
				s = restart(t, s, fs, opt, round)
				all := indexAgreesWithLog(t, s, hostileDevs)
				if len(all) < len(flushed) ||
					!slices.Equal(seqsOf(all[:len(flushed)]), seqsOf(flushed)) {
					t.Fatalf("round %d: flushed uplinks lost", round)
				}
				if s.lastSeq() < flushed[len(flushed)-1].Seq {
					t.Fatalf("round %d: last seq %d below flushed %d", round, s.lastSeq(),
						flushed[len(flushed)-1].Seq)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestHostileDevKeepRawConcurrent runs Keeps and Raw by device at once; every Raw must hold
// each uplink whose Keep returned before it started, once, in order, of its device only.
func TestHostileDevKeepRawConcurrent(t *testing.T) {
	s, err := open("", Options{IndexSpan: 3}, quiet(), vfs.NewMem())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	devs := []string{"a", "ab", "abc", "b"}
	var mu sync.Mutex
	acked := map[string][]uint64{}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 3))
			for i := range 60 {
				rs := hostileRaws(rng, devs, i, 1+rng.IntN(20))
				last, err := s.Keep(t.Context(), rs...)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for j, r := range rs {
					acked[r.DevEUI] = append(acked[r.DevEUI], last-uint64(len(rs)-1-j))
				}
				mu.Unlock()
			}
		}()
	}
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 80 {
				dev := devs[(r+i)%len(devs)]
				mu.Lock()
				want := slices.Clone(acked[dev])
				mu.Unlock()
				slices.Sort(want)
				got, err := s.Raw(t.Context(), dev, 0, 0)
				if err != nil {
					t.Error(err)
					return
				}
				seqs := seqsOf(got)
				for k, q := range seqs {
					if got[k].DevEUI != dev || k > 0 && q <= seqs[k-1] {
						t.Errorf("Raw(%q): seq %d of %q at %d", dev, q, got[k].DevEUI, k)
						return
					}
				}
				for _, q := range want {
					if _, ok := slices.BinarySearch(seqs, q); !ok {
						t.Errorf("Raw(%q) lacks acknowledged seq %d", dev, q)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	indexAgreesWithLog(t, s, devs)
}

// keepHeavy is a Keep-heavy run on fs: Keeps of random size over devs with a Flush now
// and then. It returns the uplinks flushed, by sequence number, as far as it got.
func keepHeavy(t *testing.T, s *Store, rng *rand.Rand, devs []string,
	synced func() bool) map[uint64]string {
	t.Helper()
	flushed := map[uint64]string{}
	var kept []store.RawUplink
	for i := range 16 {
		rs := hostileRaws(rng, devs, i*1000, 1+rng.IntN(90))
		last, err := s.Keep(t.Context(), rs...)
		if err != nil {
			t.Fatalf("Keep: %v", err)
		}
		for j := range rs {
			rs[j].Seq = last - uint64(len(rs)-1-j)
		}
		kept = append(kept, rs...)
		if rng.IntN(4) == 0 {
			if err := s.Flush(t.Context()); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			if !synced() {
				continue // the crash came first: this Flush reached no disk
			}
			for _, r := range kept {
				flushed[r.Seq] = r.DedupKey
			}
		}
	}
	return flushed
}

// TestHostileDevKeepCrashAtEverySync crashes a Keep-heavy run at its nth sync, for every n:
// the store must open, hold every flushed uplink, agree by device with its log, number
// new uplinks past every number it ever used, and do so again after a clean restart.
func TestHostileDevKeepCrashAtEverySync(t *testing.T) {
	devs := []string{"", "a", "ab", "abc", strings.Repeat("z", 200)}
	for _, opt := range []Options{{IndexSpan: 1}, {IndexSpan: 40}, {Sync: true, IndexSpan: 7}} {
		t.Run(fmt.Sprintf("span%d_sync%v", opt.IndexSpan, opt.Sync), func(t *testing.T) {
			for n := int64(1); ; n++ {
				mem := vfs.NewStrictMem()
				fs := &crashFS{MemFS: mem}
				fs.n.Store(n)
				s, err := open("", opt, quiet(), fs)
				if err != nil {
					t.Fatalf("n=%d: open: %v", n, err)
				}
				rng := rand.New(rand.NewPCG(uint64(n), 1))
				flushed := keepHeavy(t, s, rng, devs, func() bool { return fs.syncs.Load() < n })
				used := s.lastSeq()
				done := fs.syncs.Load() < n
				_ = s.Close()
				mem.ResetToSyncedState()
				mem.SetIgnoreSyncs(false)
				crashedCheck(t, mem, opt, devs, flushed, used, n, done)
				if done {
					t.Logf("crashed at each of %d syncs", n-1)
					return
				}
			}
		})
	}
}

// crashedCheck opens mem after a crash and checks it, keeps more, and checks again after
// a clean restart.
func crashedCheck(t *testing.T, mem *vfs.MemFS, opt Options, devs []string,
	flushed map[uint64]string, used uint64, n int64, done bool) {
	t.Helper()
	s, err := open("", opt, quiet(), mem)
	if err != nil {
		t.Fatalf("n=%d: open after crash: %v", n, err)
	}
	all := indexAgreesWithLog(t, s, devs)
	have := map[uint64]string{}
	for _, r := range all {
		have[r.Seq] = r.DedupKey
	}
	for q, k := range flushed {
		if have[q] != k {
			t.Fatalf("n=%d: flushed seq %d (%s) is %q after the crash", n, q, k, have[q])
		}
	}
	if done && s.lastSeq() != used {
		t.Fatalf("n=%d: no crash, last seq %d, want %d", n, s.lastSeq(), used)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 2))
	rs := hostileRaws(rng, devs, 1<<20, 50)
	top := highestIndexed(t, s)
	last, err := s.Keep(t.Context(), rs...)
	if err != nil {
		t.Fatalf("n=%d: Keep after crash: %v", n, err)
	}
	if last-49 <= top {
		t.Fatalf("n=%d: new seqs %d.. reuse indexed %d", n, last-49, top)
	}
	indexAgreesWithLog(t, s, devs)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = open("", opt, quiet(), mem)
	if err != nil {
		t.Fatalf("n=%d: reopen: %v", n, err)
	}
	if s.lastSeq() != last {
		t.Fatalf("n=%d: last seq after clean reopen %d, want %d", n, s.lastSeq(), last)
	}
	indexAgreesWithLog(t, s, devs)
	_ = s.Close()
}

// highestIndexed returns the highest number in any device block.
func highestIndexed(t *testing.T, s *Store) uint64 {
	t.Helper()
	it, err := s.db.NewIter(prefixBounds(prefixDevBlock))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var top uint64
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		l, w := binary.Uvarint(k[1:])
		plen := 1 + w + int(l)
		if err := eachSeq(k, plen, it.Value(), func(q uint64) bool {
			top = max(top, q)
			return true
		}); err != nil {
			t.Fatal(err)
		}
	}
	return top
}

// TestHostileDevLogLostTail keeps through blocks and pending, cuts the log at every record
// boundary of its last Keeps, and reopens: the index must agree with what the log holds,
// and new uplinks must be numbered past every block.
func TestHostileDevLogLostTail(t *testing.T) {
	devs := []string{"a", "ab", "abc"}
	for _, span := range []int{1, 4} {
		for cut := 1; cut <= 12; cut++ {
			t.Run(fmt.Sprintf("span%d_cut%d", span, cut), func(t *testing.T) {
				dir := t.TempDir()
				opt := Options{IndexSpan: span}
				s := openDir(t, dir, opt)
				rng := rand.New(rand.NewPCG(uint64(cut), 4))
				keepAll(t, s, hostileRaws(rng, devs, 0, 300))
				seg, _ := filepath.Glob(filepath.Join(dir, "raw", "*.seg"))
				fi, err := os.Stat(seg[len(seg)-1])
				if err != nil {
					t.Fatal(err)
				}
				sizes := []int64{fi.Size()}
				for i := range 12 {
					keepAll(t, s, hostileRaws(rng, devs, 300+i, 1))
					fi, _ := os.Stat(seg[len(seg)-1])
					sizes = append(sizes, fi.Size())
				}
				top := highestIndexed(t, s)
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(seg[len(seg)-1], sizes[12-cut]); err != nil {
					t.Fatal(err)
				}
				s = openDir(t, dir, opt)
				indexAgreesWithLog(t, s, devs)
				last, err := s.Keep(t.Context(), hostileRaws(rng, devs, 1000, 3)...)
				if err != nil || last-2 <= top {
					t.Fatalf("Keep after the cut = %d, %v; blocks reach %d", last, err, top)
				}
				keepAll(t, s, hostileRaws(rng, devs, 2000, 200))
				indexAgreesWithLog(t, s, devs)
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				s = openDir(t, dir, opt)
				indexAgreesWithLog(t, s, devs)
			})
		}
	}
}

// TestHostileDevDeletedBlocks deletes one device's blocks, with rawSeqKey rolled back to a
// number in the middle and rawTopKey gone: open must index again what the log holds
// after it, once, and number new uplinks past the log.
func TestHostileDevDeletedBlocks(t *testing.T) {
	devs := []string{"a", "ab"}
	for _, back := range []uint64{0, 1, 100, 255, 299, 300} {
		t.Run(fmt.Sprint("back", back), func(t *testing.T) {
			dir := t.TempDir()
			s := openDir(t, dir, Options{IndexSpan: 50})
			rng := rand.New(rand.NewPCG(back, 5))
			keepAll(t, s, hostileRaws(rng, devs, 0, 300))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tamper(t, dir, func(b *pebble.Batch) {
				p := devBlockPrefix("ab")
				_ = b.DeleteRange(p, successor(p), nil)
				_ = b.Set(rawSeqKey, binary.BigEndian.AppendUint64(nil, back), nil)
				_ = b.Delete(rawTopKey, nil)
			})
			s = openDir(t, dir, Options{IndexSpan: 50})
			all, _ := s.Raw(t.Context(), "", 0, 0)
			got := rawPages(t, s, "a", 0, 0)
			var want []uint64
			for _, r := range all {
				if r.DevEUI == "a" {
					want = append(want, r.Seq)
				}
			}
			if !slices.Equal(seqsOf(got), want) {
				t.Fatalf("device a = %v, want %v", seqsOf(got), want)
			}
			last, err := s.Keep(t.Context(), hostileRaws(rng, devs, 500, 1)...)
			if err != nil || last != 301 {
				t.Fatalf("Keep = %d, %v; want 301", last, err)
			}
			ab := seqsOf(rawPages(t, s, "ab", 0, 0))
			for i := 1; i < len(ab); i++ {
				if ab[i] <= ab[i-1] {
					t.Fatalf("device ab: %d after %d", ab[i], ab[i-1])
				}
			}
		})
	}
}

// TestHostileDevMigrateDevicesCrash writes a layout-1 store whose device index has long
// DevEUIs, prefixes of each other, and crashes its migration at every sync: it must open
// and read every device as the log holds it.
func TestHostileDevMigrateDevicesCrash(t *testing.T) {
	devs := []string{"", "a", "ab", "abc"}
	for i := range 8 { // long keys, prefixes of each other
		devs = append(devs, strings.Repeat("q", 60000+i))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	rs := hostileRaws(rng, devs, 0, 150)
	for n := int64(1); ; n++ {
		mem := vfs.NewStrictMem()
		writeLayout1Raws(t, mem, rs)
		fs := &crashFS{MemFS: mem}
		fs.n.Store(n)
		s, err := open("", Options{}, quiet(), fs)
		if err != nil {
			t.Fatalf("n=%d: open: %v", n, err)
		}
		done := fs.syncs.Load() < n
		_ = s.Close()
		mem.ResetToSyncedState()
		mem.SetIgnoreSyncs(false)

		s, err = open("", Options{}, quiet(), mem)
		if err != nil {
			t.Fatalf("n=%d: open after crash: %v", n, err)
		}
		all := indexAgreesWithLog(t, s, devs)
		if len(all) != len(rs) {
			t.Fatalf("n=%d: %d uplinks, want %d", n, len(all), len(rs))
		}
		last, err := s.Keep(t.Context(), rs[0])
		if err != nil || last != uint64(len(rs)+1) {
			t.Fatalf("n=%d: Keep after migration = %d, %v", n, last, err)
		}
		_ = s.Close()
		if done {
			t.Logf("crashed at each of %d syncs", n-1)
			return
		}
	}
}

// writeLayout1Raws writes rs as a layout-1 store on fs.
func writeLayout1Raws(t *testing.T, fs vfs.FS, rs []store.RawUplink) {
	t.Helper()
	db, err := pebble.Open("", &pebble.Options{FS: fs, Logger: pebbleLogger{quiet()}})
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	setLayout1Raws(b, rs)
	_ = b.Set(metaVersionKey, binary.BigEndian.AppendUint64(nil, 1), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestHostileDevCleanReopenNumbering closes cleanly with pending entries, with blocks only and
// after a Keep refused part way (a time outside what nanoseconds hold), and reopens: the
// next Keep must be numbered one past the last, and every device read as the log holds it.
func TestHostileDevCleanReopenNumbering(t *testing.T) {
	devs := []string{"a", "ab", "abc", ""}
	for _, span := range []int{1, 3, 0} {
		t.Run(fmt.Sprint("span", span), func(t *testing.T) {
			fs := vfs.NewStrictMem()
			opt := Options{IndexSpan: span}
			rng := rand.New(rand.NewPCG(uint64(span), 11))
			var last uint64
			for round := range 6 {
				s, err := open("", opt, quiet(), fs)
				if err != nil {
					t.Fatalf("round %d: open: %v", round, err)
				}
				bad := hostileRaws(rng, devs, 0, 3)
				bad[1].ReceivedAt = maxTime.AddDate(1, 0, 0)
				if _, err := s.Keep(t.Context(), bad...); err == nil {
					t.Fatal("Keep with a time past 2262 succeeded")
				}
				rs := hostileRaws(rng, devs, round*1000, []int{1, 127, 128, 129, 300, 2}[round])
				got, err := s.Keep(t.Context(), rs...)
				if err != nil || got != last+uint64(len(rs)) {
					t.Fatalf("round %d: Keep = %d, %v; want %d", round, got, err,
						last+uint64(len(rs)))
				}
				last = got
				indexAgreesWithLog(t, s, devs)
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestHostileDevMigrateLayout4 turns a store into layout 4 (a 'd' key per uplink up to
// rawSeqKey, no blocks) with the log behind or ahead of that index, as a crash could leave
// it, and opens it: every device must read as the log holds it, and new uplinks must be
// numbered past every 'd' key.
func TestHostileDevMigrateLayout4(t *testing.T) {
	devs := []string{"a", "ab", "abc", ""}
	for _, k := range []uint64{0, 1, 150, 299, 300, 320} {
		t.Run(fmt.Sprint("indexed", k), func(t *testing.T) {
			dir := t.TempDir()
			s := openDir(t, dir, Options{})
			rng := rand.New(rand.NewPCG(k, 13))
			keepAll(t, s, hostileRaws(rng, devs, 0, 300))
			all, _ := s.Raw(t.Context(), "", 0, 0)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tamper(t, dir, func(b *pebble.Batch) {
				_ = b.DeleteRange([]byte{prefixDevBlock}, []byte{prefixDevBlock + 1}, nil)
				_ = b.Delete(rawTopKey, nil)
				for q := uint64(1); q <= k; q++ {
					dev := "ab" // numbers the log lost, past its end
					if q <= uint64(len(all)) {
						dev = all[q-1].DevEUI
					}
					_ = b.Set(deviceKey(dev, q), nil, nil)
				}
				_ = b.Set(rawSeqKey, binary.BigEndian.AppendUint64(nil, k), nil)
				_ = b.Set(metaVersionKey, binary.BigEndian.AppendUint64(nil, 4), nil)
			})
			s = openDir(t, dir, Options{})
			indexAgreesWithLog(t, s, devs)
			last, err := s.Keep(t.Context(), hostileRaws(rng, devs, 900, 1)...)
			if want := max(k, 300) + 1; err != nil || last != want {
				t.Fatalf("Keep after migration = %d, %v; want %d", last, err, want)
			}
			indexAgreesWithLog(t, s, devs)
		})
	}
}
