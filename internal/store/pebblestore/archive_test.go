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

func openDir(t *testing.T, dir string, opt Options) *Store {
	t.Helper()
	log, _ := captureLog(t)
	s, err := Open(dir, opt, log)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestIndexBehindLog loses a device's blocks and rolls rawSeqKey back, as a crash between
// a Keep's log write and its index write could: open indexes the rest again from the log,
// each uplink once.
func TestIndexBehindLog(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, Options{})
	keepAll(t, s, rawsFor(0, 300)) // 150 a device: a block of 128 each, and 22 pending
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tamper(t, dir, func(b *pebble.Batch) {
		p := devBlockPrefix("01")
		_ = b.DeleteRange(p, successor(p), nil)
		_ = b.Set(rawSeqKey, binary.BigEndian.AppendUint64(nil, 0), nil)
	})

	s = openDir(t, dir, Options{})
	keepAll(t, s, rawsFor(300, 2))
	for dev, first := range []int{0, 1} {
		var want []string
		for k := first; k < 302; k += 2 {
			want = append(want, fmt.Sprintf("k%d", k))
		}
		if got := dedupKeys(t, s, fmt.Sprintf("0%d", dev)); !slices.Equal(got, want) {
			t.Fatalf("device 0%d: %d uplinks, want %d", dev, len(got), len(want))
		}
	}
}

// TestLogBehindIndex cuts the log's last records, as a crash of the machine can when the
// device blocks were synced and the log not: the lost entries are skipped, and new uplinks
// are numbered after the blocks so no old entry names them.
func TestLogBehindIndex(t *testing.T) {
	dir := t.TempDir()
	opt := Options{IndexSpan: 1} // every Keep writes the blocks of the one before
	s := openDir(t, dir, opt)
	keepAll(t, s, rawsFor(0, 4))
	seg, _ := filepath.Glob(filepath.Join(dir, "raw", "*.seg"))
	if len(seg) != 1 {
		t.Fatalf("segments %v, want one", seg)
	}
	kept4, err := os.Stat(seg[0])
	if err != nil {
		t.Fatal(err)
	}
	keepAll(t, s, rawsFor(4, 2))
	keepAll(t, s, rawsFor(6, 1)) // writes the blocks naming 5 and 6; 7 stays pending
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg[0], kept4.Size()); err != nil { // loses 5 to 7
		t.Fatal(err)
	}

	s = openDir(t, dir, opt)
	seq, err := s.Keep(t.Context(), rawsFor(7, 1)...)
	if err != nil || seq != 7 { // past the blocks, where the log ends at 4
		t.Fatalf("Keep after the loss = %d, %v; want 7", seq, err)
	}
	if got, want := dedupKeys(t, s, "01"), []string{"k1", "k3", "k7"}; !slices.Equal(got, want) {
		t.Fatalf("device 01 = %v, want %v", got, want)
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
		s := openDir(t, dir, Options{})
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
