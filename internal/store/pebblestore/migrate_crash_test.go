package pebblestore

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/model"
)

// writeLayout1 writes nraw raw uplinks and obs into a store on fs at dir the way layout 1
// did (c943c18's Keep and writer): 'r', 't', 'd', 'o', 'i' and 'c' keys, version 1.
func writeLayout1(t *testing.T, fs vfs.FS, dir string, nraw int, obs []model.Observation) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{FS: fs, Logger: pebbleLogger{quiet()}})
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	setLayout1Raws(b, rawsFor(0, nraw))
	counts := map[int64]uint64{}
	for _, o := range obs {
		pt := o.PhenomenonTime.UnixNano()
		v, err := appendResult(nil, o)
		if err != nil {
			t.Fatal(err)
		}
		_ = b.Set(obsKey(nil, o.DatastreamID, pt, o.ID), v, nil)
		rec, _ := appendIDRecord(nil, o, pt)
		_ = b.Set(binary.BigEndian.AppendUint64([]byte{prefixID}, o.ID), rec, nil)
		counts[o.DatastreamID]++
	}
	for ds, n := range counts {
		_ = b.Set(countKey(ds), binary.BigEndian.AppendUint64(nil, n), nil)
	}
	_ = b.Set(metaVersionKey, binary.BigEndian.AppendUint64(nil, 1), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkMigrated fails unless s holds nraw raw uplinks 1..nraw and the Observations obs.
func checkMigrated(t *testing.T, s *Store, nraw int, obs []model.Observation) {
	t.Helper()
	all, err := s.Raw(t.Context(), "", 0, 0)
	if err != nil {
		t.Fatalf("Raw: %v", err)
	}
	if len(all) != nraw {
		t.Fatalf("Raw: %d uplinks, want %d", len(all), nraw)
	}
	for i, r := range all {
		if r.Seq != uint64(i+1) || r.DedupKey != fmt.Sprintf("k%d", i) {
			t.Fatalf("Raw[%d] = seq %d key %q", i, r.Seq, r.DedupKey)
		}
	}
	for _, dev := range []string{"00", "01"} {
		rs, err := s.Raw(t.Context(), dev, 0, 0)
		if err != nil || len(rs) != (nraw+1)/2-slices.Index([]string{"00", "01"}, dev)*(nraw%2) {
			t.Fatalf("Raw(%s) = %d, %v", dev, len(rs), err)
		}
	}
	keys, err := s.Since(t.Context(), t0.Add(time.Duration(nraw-10)*time.Second))
	if err != nil || len(keys) != 10 {
		t.Fatalf("Since = %d keys, %v", len(keys), err)
	}
	got := consistent(t, s)
	if len(got) != len(obs) {
		t.Fatalf("%d Observations, want %d", len(got), len(obs))
	}
	hasAll(t, s, obs)
	agrees(t, rand.New(rand.NewPCG(1, 1)), s, obs)
}

// TestMigrateLayout1Large migrates many raw uplinks and Observations (more than a
// migration batch and a block) and goes on writing after it.
func TestMigrateLayout1Large(t *testing.T) {
	dir := t.TempDir()
	obs := gen(1, 3000, 1, 2, 3, 4)
	writeLayout1(t, vfs.Default, dir, 2001, obs)
	for round := range 3 {
		s := openDir(t, dir, Options{})
		checkMigrated(t, s, 2001+round, obs)
		seq, err := s.Keep(t.Context(), rawsFor(2001+round, 1)...)
		if err != nil || seq != uint64(2002+round) {
			t.Fatalf("Keep = %d, %v", seq, err)
		}
		more := gen(uint64(len(obs)+1), 200, 1, 5)
		appendFlush(t, s, more)
		obs = append(obs, more...)
		consistent(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// crashFS makes a StrictMem crash at its nth sync: that sync and every later one are
// ignored, so what reaches the disk is what was synced before.
type crashFS struct {
	*vfs.MemFS
	n, syncs atomic.Int64
}

type crashFile struct {
	vfs.File
	fs *crashFS
}

func (c *crashFS) wrap(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return &crashFile{File: f, fs: c}, nil
}

func (c *crashFS) Create(name string) (vfs.File, error) { return c.wrap(c.MemFS.Create(name)) }
func (c *crashFS) Open(name string, o ...vfs.OpenOption) (vfs.File, error) {
	return c.wrap(c.MemFS.Open(name, o...))
}
func (c *crashFS) OpenReadWrite(name string, o ...vfs.OpenOption) (vfs.File, error) {
	return c.wrap(c.MemFS.OpenReadWrite(name, o...))
}
func (c *crashFS) OpenDir(name string) (vfs.File, error) { return c.wrap(c.MemFS.OpenDir(name)) }
func (c *crashFS) ReuseForWrite(old, new string) (vfs.File, error) {
	return c.wrap(c.MemFS.ReuseForWrite(old, new))
}

func (f *crashFile) Sync() error {
	f.fs.count()
	return f.File.Sync()
}

func (f *crashFile) SyncData() error {
	f.fs.count()
	return f.File.SyncData()
}

// count counts a sync, and from the nth on has the file system ignore them: the crash.
func (c *crashFS) count() {
	if c.syncs.Add(1) == c.n.Load() {
		c.MemFS.SetIgnoreSyncs(true)
	}
}

// TestMigrationCrashAtEverySync migrates a layout-1 store and crashes it at its nth
// sync, for every n the migration makes; the store must then open, finish the migration
// and hold everything.
func TestMigrationCrashAtEverySync(t *testing.T) {
	obs := gen(1, 700, 1, 2, 3)
	const nraw = 600
	for n := int64(1); ; n++ {
		mem := vfs.NewStrictMem()
		writeLayout1(t, mem, "", nraw, obs)
		fs := &crashFS{MemFS: mem}
		fs.n.Store(n)
		log, _ := captureLog(t)
		s, err := open("", Options{}, log, fs)
		if err != nil {
			t.Fatalf("n=%d: open: %v", n, err)
		}
		done := fs.syncs.Load() < n
		_ = s.Close()
		mem.ResetToSyncedState()
		mem.SetIgnoreSyncs(false)

		s, err = open("", Options{}, log, mem)
		if err != nil {
			t.Fatalf("n=%d: open after crash: %v", n, err)
		}
		checkMigrated(t, s, nraw, obs)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if done {
			t.Logf("crashed at each of %d syncs", n-1)
			return
		}
	}
}

// TestFlushDurableRaw keeps raw uplinks and Observations, flushes, crashes a
// StrictMem store and checks that everything flushed is there, over several rounds.
func TestFlushDurableRaw(t *testing.T) {
	mem := vfs.NewStrictMem()
	log, _ := captureLog(t)
	var want []model.Observation
	nraw := 0
	for round := range 4 {
		s, err := open("", Options{BatchSize: 50}, log, mem)
		if err != nil {
			t.Fatalf("round %d: open: %v", round, err)
		}
		all, err := s.Raw(t.Context(), "", 0, 0)
		if err != nil || len(all) < nraw {
			t.Fatalf("round %d: %d raw after crash, want >= %d (%v)", round, len(all), nraw, err)
		}
		for i, r := range all[:nraw] {
			if r.DedupKey != fmt.Sprintf("k%d", i) {
				t.Fatalf("round %d: raw %d = %q", round, i, r.DedupKey)
			}
		}
		hasAll(t, s, want)
		consistent(t, s)
		nraw = len(all)
		for k := range 5 {
			if _, err := s.Keep(t.Context(), rawsFor(nraw, 30)...); err != nil {
				t.Fatal(err)
			}
			nraw += 30
			more := gen(uint64(len(want)+1), 40+k, 1, 2)
			if err := s.Append(t.Context(), more); err != nil {
				t.Fatal(err)
			}
			want = append(want, more...)
		}
		if err := s.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Unflushed after the flush: may or may not survive.
		_, _ = s.Keep(t.Context(), rawsFor(nraw, 7)...)
		crash(s, mem)
	}
}
