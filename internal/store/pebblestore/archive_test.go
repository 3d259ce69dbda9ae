package pebblestore

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/store"
)

// rawsFor returns n raw uplinks alternating between two devices, a second apart from t0.
func rawsFor(from, n int) []store.RawUplink {
	out := make([]store.RawUplink, n)
	for i := range out {
		k := from + i
		out[i] = store.RawUplink{ReceivedAt: t0.Add(time.Duration(k) * time.Second),
			Source: "mqtt", Topic: "t", DevEUI: fmt.Sprintf("0%d", k%2), Outcome: "decoded",
			DedupKey: fmt.Sprintf("k%d", k), Envelope: fmt.Appendf(nil, `{"n":%d}`, k)}
	}
	return out
}

func keepAll(t *testing.T, s *Store, rs []store.RawUplink) {
	t.Helper()
	if _, err := s.Keep(t.Context(), rs...); err != nil {
		t.Fatalf("Keep: %v", err)
	}
	if err := s.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// dedupKeys returns the dedup keys of a device's raw uplinks, in order.
func dedupKeys(t *testing.T, s *Store, dev string) []string {
	t.Helper()
	rs, err := s.Raw(t.Context(), dev, 0, 0)
	if err != nil {
		t.Fatalf("Raw(%q): %v", dev, err)
	}
	var keys []string
	for _, r := range rs {
		keys = append(keys, r.DedupKey)
	}
	return keys
}

func openDir(t *testing.T, dir string) *Store {
	t.Helper()
	log, _ := captureLog(t)
	s, err := Open(dir, Options{}, log)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestIndexBehindLog rolls the device index back, as a crash between a Keep's log write and
// its index write leaves it: open indexes the rest from the log.
func TestIndexBehindLog(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	keepAll(t, s, rawsFor(0, 6))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{quiet()}})
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(4); seq <= 6; seq++ {
		_ = db.Delete(deviceKey(fmt.Sprintf("0%d", (seq-1)%2), seq), nil)
	}
	_ = db.Set(rawSeqKey, binary.BigEndian.AppendUint64(nil, 3), pebble.Sync)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = openDir(t, dir)
	if got, want := dedupKeys(t, s, "00"), []string{"k0", "k2", "k4"}; !slices.Equal(got, want) {
		t.Fatalf("device 00 = %v, want %v", got, want)
	}
	if got, want := dedupKeys(t, s, "01"), []string{"k1", "k3", "k5"}; !slices.Equal(got, want) {
		t.Fatalf("device 01 = %v, want %v", got, want)
	}
}

// TestLogBehindIndex cuts the log's last records, as a crash of the machine can when the
// index was synced and the log not: the lost entries are skipped, and new uplinks are
// numbered after the index so no old entry names them.
func TestLogBehindIndex(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	keepAll(t, s, rawsFor(0, 4))
	keepAll(t, s, rawsFor(4, 2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	seg, _ := filepath.Glob(filepath.Join(dir, "raw", "*.seg"))
	if len(seg) != 1 {
		t.Fatalf("segments %v, want one", seg)
	}
	b, err := os.ReadFile(seg[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seg[0], b[:len(b)*2/3], 0o644); err != nil { // loses 5 and 6
		t.Fatal(err)
	}

	s = openDir(t, dir)
	seq, err := s.Keep(t.Context(), rawsFor(6, 1)...)
	if err != nil || seq != 7 {
		t.Fatalf("Keep after the loss = %d, %v; want 7", seq, err)
	}
	if got, want := dedupKeys(t, s, "00"), []string{"k0", "k2", "k6"}; !slices.Equal(got, want) {
		t.Fatalf("device 00 = %v, want %v", got, want)
	}
	all, err := s.Raw(t.Context(), "", 0, 0)
	if err != nil || len(all) != 5 || all[4].Seq != 7 {
		t.Fatalf("Raw = %d rows, %v; want 1..4 and 7", len(all), err)
	}
}

// TestMigrateLayout1 writes a store the way layout 1 did, raw uplinks and their time index
// inside the database, and opens it: they move into the log, readable by every path.
func TestMigrateLayout1(t *testing.T) {
	dir := t.TempDir()
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{quiet()}})
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	setLayout1Raws(b, rawsFor(0, 5))
	_ = b.Set(metaVersionKey, binary.BigEndian.AppendUint64(nil, 1), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	wantSince := []string{"k2", "k3", "k4"}
	for range 2 { // the second open finds layout 2 and moves nothing
		s := openDir(t, dir)
		if got, want := dedupKeys(t, s, "01"), []string{"k1", "k3"}; !slices.Equal(got, want) {
			t.Fatalf("device 01 = %v, want %v", got, want)
		}
		keys, err := s.Since(t.Context(), t0.Add(2*time.Second))
		if err != nil || !slices.Equal(keys, wantSince) {
			t.Fatalf("Since = %v, %v; want %v", keys, err, wantSince)
		}
		seq, err := s.Keep(t.Context(), rawsFor(len(wantSince)+7, 1)...)
		if err != nil || seq != uint64(len(wantSince)+3) {
			t.Fatalf("Keep after migration = %d, %v", seq, err)
		}
		wantSince = append(wantSince, fmt.Sprintf("k%d", len(wantSince)+7))
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixRaw},
			UpperBound: []byte{prefixRawTime + 1}})
		if err != nil {
			t.Fatal(err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			if k := it.Key()[0]; k == prefixRaw || k == prefixRawTime {
				t.Fatalf("layout 1 key %x left after migration", it.Key())
			}
		}
		_ = it.Close()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// setLayout1Raws sets rs, numbered from 1, as layout 1 kept raw uplinks: under 'r' in the
// database, with a device index entry and a time index entry each.
func setLayout1Raws(b *pebble.Batch, rs []store.RawUplink) {
	for i, r := range rs {
		seq, at := uint64(i+1), r.ReceivedAt.UnixNano()
		_ = b.Set(binary.BigEndian.AppendUint64([]byte{prefixRaw}, seq), encodeRaw(r, at), nil)
		_ = b.Set(deviceKey(r.DevEUI, seq), nil, nil)
		tk := make([]byte, 17)
		tk[0] = prefixRawTime
		putInt64(tk[1:], at)
		binary.BigEndian.PutUint64(tk[9:], seq)
		_ = b.Set(tk, []byte(r.DedupKey), nil)
	}
}
