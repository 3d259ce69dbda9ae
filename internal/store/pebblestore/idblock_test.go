package pebblestore

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// blocksOf returns every block's IDs, failing when two blocks overlap.
func blocksOf(t *testing.T, s *Store) [][]uint64 {
	t.Helper()
	it, err := s.db.NewIter(blockBounds())
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out [][]uint64
	var prevLast uint64
	for ok := it.First(); ok; ok = it.Next() {
		es, err := decodeBlock(it.Key(), it.Value())
		if err != nil {
			t.Fatalf("block %x: %v", it.Key(), err)
		}
		if first := binary.BigEndian.Uint64(it.Key()[1:]); es[0].id != first {
			t.Fatalf("block %d starts with %d", first, es[0].id)
		}
		if len(out) > 0 && es[0].id <= prevLast {
			t.Fatalf("block from %d overlaps the one before, which ends at %d", es[0].id, prevLast)
		}
		var ids []uint64
		for _, e := range es {
			ids = append(ids, e.id)
		}
		out = append(out, ids)
		prevLast = ids[len(ids)-1]
	}
	return out
}

// TestBlockFill appends IDs out of order, each Flush a commit of its own: IDs below the
// highest committed are merged into the block that may hold them, below every block they
// start one, and every read finds them all.
func TestBlockFill(t *testing.T) {
	s := openDir(t, t.TempDir(), Options{})
	obsOf := func(ids ...uint64) []model.Observation {
		out := make([]model.Observation, len(ids))
		for i, id := range ids {
			out[i] = gen(id, 1, int64(id%3+1))[0]
		}
		return out
	}
	for _, ids := range [][]uint64{{5, 6, 9, 12}, {3}, {7, 10, 11, 20}, {8, 1, 2, 4}, {15}} {
		appendFlush(t, s, obsOf(ids...))
	}
	want := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 20}
	if got := slices.Concat(blocksOf(t, s)...); !slices.Equal(got, want) {
		t.Fatalf("blocks hold %v, want %v", got, want)
	}
	for _, desc := range []bool{false, true} {
		for _, after := range []uint64{0, 1, 6, 12, 13, 20, 21} {
			got, err := s.Scan(t.Context(), store.ScanQuery{AfterID: after, Desc: desc, Limit: 3})
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			var exp []uint64
			for _, id := range want {
				if after == 0 || (!desc && id > after) || (desc && id < after) {
					exp = append(exp, id)
				}
			}
			if desc {
				slices.Reverse(exp)
			}
			exp = exp[:min(3, len(exp))]
			var ids []uint64
			for _, o := range got {
				ids = append(ids, o.ID)
			}
			if !slices.Equal(ids, exp) {
				t.Fatalf("Scan(after %d, desc %v) = %v, want %v", after, desc, ids, exp)
			}
		}
	}
	for _, id := range want {
		if o, err := s.Get(t.Context(), id); err != nil || o.ID != id {
			t.Fatalf("Get(%d) = %d, %v", id, o.ID, err)
		}
	}
	consistent(t, s)
}

// TestMigrateIDs turns a store's blocks back into the key per Observation of layout 2 and
// opens it: the index comes back as blocks and every read agrees.
func TestMigrateIDs(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, Options{})
	all := gen(1, 2500, 1, 2, 3)
	for i := 0; i < len(all); i += 700 {
		appendFlush(t, s, all[i:min(i+700, len(all))])
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{quiet()}})
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	it, _ := db.NewIter(blockBounds())
	for ok := it.First(); ok; ok = it.Next() {
		es, err := decodeBlock(it.Key(), it.Value())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			_ = b.Set(binary.BigEndian.AppendUint64([]byte{prefixID}, e.id), e.rec, nil)
		}
	}
	_ = it.Close()
	_ = b.DeleteRange([]byte{prefixIDBlock}, []byte{prefixIDBlock + 1}, nil)
	_ = b.Set(metaVersionKey, binary.BigEndian.AppendUint64(nil, 2), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	_ = b.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = openDir(t, dir, Options{})
	hasAll(t, s, all)
	if got := consistent(t, s); len(got) != len(all) {
		t.Fatalf("%d Observations after migration, want %d", len(got), len(all))
	}
	if n := len(blocksOf(t, s)); n != (len(all)+maxBlock-1)/maxBlock {
		t.Fatalf("%d blocks after migration, want %d", n, (len(all)+maxBlock-1)/maxBlock)
	}
}

// FuzzDecodeBlock decodes arbitrary block values: what it accepts must encode back to the
// same bytes.
func FuzzDecodeBlock(f *testing.F) {
	var es []idEntry
	for i, o := range resultSeeds {
		pt, _ := nanos(o.PhenomenonTime)
		rec, _ := appendIDRecord(nil, o, pt)
		es = append(es, idEntry{id: uint64(10 + 3*i), rec: rec})
	}
	f.Add(uint64(10), appendBlock(nil, es))
	f.Add(uint64(1), []byte{1, 0, 0})
	f.Add(uint64(0), []byte{})
	f.Fuzz(func(t *testing.T, first uint64, v []byte) {
		es, err := decodeBlock(blockKey(nil, first), v)
		if err != nil {
			return
		}
		for i := 1; i < len(es); i++ {
			if es[i].id <= es[i-1].id {
				t.Fatalf("entry %d: id %d after %d", i, es[i].id, es[i-1].id)
			}
		}
		if es[0].id != first {
			t.Fatalf("first entry %d in block %d", es[0].id, first)
		}
		again, err := decodeBlock(blockKey(nil, first), appendBlock(nil, es))
		if err != nil || !slices.EqualFunc(again, es, func(a, b idEntry) bool {
			return a.id == b.id && slices.Equal(a.rec, b.rec)
		}) {
			t.Fatalf("re-decoded %v, %v; was %v", again, err, es)
		}
	})
}
