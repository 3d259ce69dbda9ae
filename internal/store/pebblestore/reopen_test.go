package pebblestore

import (
	"encoding/binary"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// TestReopenKeepsState closes and reopens several times with appends in between: the
// counts, latest values and last ID rebuilt on open must match the keys every time.
func TestReopenKeepsState(t *testing.T) {
	dir := t.TempDir()
	log, _ := captureLog(t)
	var want []model.Observation
	for round := range 4 {
		s, err := Open(dir, Options{BatchSize: 7}, log)
		if err != nil {
			t.Fatalf("round %d: Open: %v", round, err)
		}
		if got := consistent(t, s); len(got) != len(want) {
			t.Fatalf("round %d: %d stored after reopen, want %d", round, len(got), len(want))
		}
		hasAll(t, s, want)
		more := gen(uint64(len(want)+1), 50+round, 1, 2, int64(round+3))
		appendFlush(t, s, more)
		want = append(want, more...)
		consistent(t, s)
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
	}
}

// TestCrashKeepsFlushed simulates a crash on a file system that forgets every write not
// synced: what was flushed survives, and the state rebuilt on open matches the keys, whether
// or not later unflushed commits survived.
func TestCrashKeepsFlushed(t *testing.T) {
	opts := []Options{{}, {Sync: true}, {BatchSize: 5, FlushInterval: time.Millisecond}}
	for _, opt := range opts {
		// The root dir "": a strict MemFS forgets subdirectories whose parent was not synced.
		fs := vfs.NewStrictMem()
		log, _ := captureLog(t)
		s, err := open("", opt, log, fs)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if _, err := s.Keep(t.Context(), store.RawUplink{ReceivedAt: t0, DevEUI: "01",
			DedupKey: "k1", Envelope: []byte("{}")}); err != nil {
			t.Fatalf("Keep: %v", err)
		}
		flushed := gen(1, 300, 1, 2, 3)
		appendFlush(t, s, flushed)
		if err := s.Append(t.Context(), gen(301, 100, 1, 4)); err != nil {
			t.Fatalf("Append: %v", err)
		}
		if opt.Sync {
			waitLastID(t, s, 400) // committed, and with Sync on disk
		} else {
			time.Sleep(2 * opt.withDefaults().FlushInterval) // let some commit unsynced
		}

		crash(s, fs)

		s, err = open("", opt, log, fs)
		if err != nil {
			t.Fatalf("open after crash: %v", err)
		}
		hasAll(t, s, flushed)
		if got := consistent(t, s); opt.Sync && len(got) != 400 {
			t.Fatalf("Sync: %d survived, want all 400 committed", len(got))
		}
		raws, err := s.Raw(t.Context(), "01", 0, 0)
		if err != nil || len(raws) != 1 || raws[0].DedupKey != "k1" {
			t.Fatalf("Raw after crash = %+v, %v", raws, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

// writeClosed writes obs into a new store in dir and closes it.
func writeClosed(t *testing.T, dir string, log *slog.Logger, obs []model.Observation) {
	t.Helper()
	s, err := Open(dir, Options{}, log)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	appendFlush(t, s, obs)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// waitLastID waits until the writer has committed up to id.
func waitLastID(t *testing.T, s *Store, id uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		last, err := s.LastID(t.Context())
		if err != nil {
			t.Fatalf("LastID: %v", err)
		}
		if last >= id {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("LastID still %d after 10s, want %d", last, id)
		}
		time.Sleep(time.Millisecond)
	}
}

// tamper opens the store's database directly and changes its keys.
func tamper(t *testing.T, dir string, change func(b *pebble.Batch)) {
	t.Helper()
	log, _ := captureLog(t)
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{log}})
	if err != nil {
		t.Fatalf("pebble.Open: %v", err)
	}
	b := db.NewIndexedBatch() // indexed, so that a change can read what it changes
	change(b)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// setCount sets the count in the sealed mark of ds, keeping its ID.
func setCount(t *testing.T, b *pebble.Batch, ds int64, n uint64) {
	t.Helper()
	v, closer, err := b.Get(sealMarkKey(ds))
	if err != nil {
		t.Fatalf("mark of %d: %v", ds, err)
	}
	v = binary.BigEndian.AppendUint64(slices.Clone(v[:8]), n)
	_ = closer.Close()
	_ = b.Set(sealMarkKey(ds), v, nil)
}

// TestCountsRepaired checks the three ways wrong counts are found on open: Verify, a mark
// that counts Observations where there are none, and a store without a layout version.
func TestCountsRepaired(t *testing.T) {
	tests := []struct {
		name    string
		opt     Options
		change  func(t *testing.T, b *pebble.Batch)
		wantLog string
	}{
		{"verify", Options{Verify: true}, func(t *testing.T, b *pebble.Batch) {
			setCount(t, b, 1, 999)
			setCount(t, b, 2, 0)
			_ = b.Set(sealMarkKey(77), sealMarkValue(mark{id: 3, n: 5}), nil)
		}, "repaired"},
		{"count without observations", Options{}, func(_ *testing.T, b *pebble.Batch) {
			_ = b.Set(sealMarkKey(77), sealMarkValue(mark{id: 3, n: 5}), nil)
		}, "recounting"},
		{"no layout version", Options{}, func(t *testing.T, b *pebble.Batch) {
			_ = b.Delete(metaVersionKey, nil)
			setCount(t, b, 3, 1)
		}, "repaired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			log, buf := captureLog(t)
			want := gen(1, 900, 1, 2, 3) // enough for each to have chunks and a head
			writeClosed(t, dir, log, want)
			tamper(t, dir, func(b *pebble.Batch) { tc.change(t, b) })

			s, err := Open(dir, tc.opt, log)
			if err != nil {
				t.Fatalf("Open after tampering: %v", err)
			}
			defer s.Close()
			if got := consistent(t, s); len(got) != len(want) {
				t.Fatalf("%d stored, want %d", len(got), len(want))
			}
			if !strings.Contains(buf.String(), tc.wantLog) {
				t.Fatalf("log does not say %q:\n%s", tc.wantLog, buf)
			}
		})
	}
}
