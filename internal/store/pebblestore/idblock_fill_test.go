package pebblestore

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// obsWithIDs returns Observations with the given IDs, over three Datastreams.
func obsWithIDs(ids []uint64) []model.Observation {
	out := make([]model.Observation, len(ids))
	for i, id := range ids {
		out[i] = model.Observation{ID: id, DatastreamID: int64(id%3 + 1),
			PhenomenonTime: t0.Add(time.Duration(id*7919%10007) * time.Second),
			Result:         model.Number(float64(id))}
	}
	return out
}

// pagesAgree pages Scan both ways from every tenth ID and compares with the full list.
func pagesAgree(t *testing.T, s *Store, ids []uint64) {
	t.Helper()
	for i := 0; i < len(ids); i += 10 {
		after := ids[i]
		got, err := s.Scan(t.Context(), store.ScanQuery{AfterID: after, Limit: 25})
		if err != nil {
			t.Fatal(err)
		}
		want := ids[i+1 : min(len(ids), i+26)]
		if !slices.Equal(idsOf(got), want) {
			t.Fatalf("Scan after %d = %v, want %v", after, idsOf(got), want)
		}
		got, err = s.Scan(t.Context(), store.ScanQuery{AfterID: after, Limit: 25, Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		var wantDesc []uint64
		for j := i - 1; j >= 0 && len(wantDesc) < 25; j-- {
			wantDesc = append(wantDesc, ids[j])
		}
		if !slices.Equal(idsOf(got), wantDesc) {
			t.Fatalf("Scan desc before %d = %v, want %v", after, idsOf(got), wantDesc)
		}
	}
}

func idsOf(obs []model.Observation) []uint64 {
	out := make([]uint64, len(obs))
	for i, o := range obs {
		out[i] = o.ID
	}
	return out
}

// TestRandomFills appends IDs in random order, with duplicates, in random batches and
// flushes, then checks every read path, before and after a reopen.
func TestRandomFills(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 99))
		dir := t.TempDir()
		log, _ := captureLog(t)
		s, err := Open(dir, Options{BatchSize: 1 + rng.IntN(300)}, log)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]uint64, 1500)
		for i := range ids {
			ids[i] = uint64(i)*3 + 1 // gaps, so that later IDs can fall between
		}
		order := slices.Clone(ids)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for len(order) > 0 {
			n := min(len(order), 1+rng.IntN(200))
			batch := obsWithIDs(order[:n])
			if rng.IntN(3) == 0 { // a duplicate of something earlier or in this batch
				batch = append(batch, obsWithIDs([]uint64{ids[rng.IntN(len(ids))]})...)
			}
			if err := s.Append(t.Context(), batch); err != nil {
				t.Fatal(err)
			}
			if rng.IntN(4) == 0 {
				if err := s.Flush(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			order = order[n:]
		}
		if err := s.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Appended IDs include duplicates of IDs not yet appended: all of ids is stored.
		for range 2 {
			got := consistent(t, s)
			if !slices.Equal(idsOf(got), ids) {
				t.Fatalf("seed %d: Scan has %d IDs, want %d", seed, len(got), len(ids))
			}
			hasAll(t, s, obsWithIDs(ids))
			pagesAgree(t, s, ids)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = Open(dir, Options{}, log); err != nil {
				t.Fatal(err)
			}
		}
		_ = s.Close()
	}
}

// TestFillBlockGrowth appends one high ID and then the IDs below it in order, as a
// restore or a second writer would: how large do blocks get?
func TestFillBlockGrowth(t *testing.T) {
	dir := t.TempDir()
	log, _ := captureLog(t)
	s, err := Open(dir, Options{BatchSize: 256}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const high = 5001
	appendFlush(t, s, obsWithIDs([]uint64{high}))
	start := time.Now()
	for id := uint64(1); id < high; id += 1000 {
		ids := make([]uint64, 0, 1000)
		for k := id; k < id+1000 && k < high; k++ {
			ids = append(ids, k)
		}
		appendFlush(t, s, obsWithIDs(ids))
	}
	t.Logf("%d fills took %v", high-1, time.Since(start))
	it, err := s.db.NewIter(blockBounds())
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	blocks, biggest, bytes := 0, 0, 0
	for ok := it.First(); ok; ok = it.Next() {
		es, err := decodeBlock(it.Key(), it.Value())
		if err != nil {
			t.Fatal(err)
		}
		blocks++
		biggest = max(biggest, len(es))
		bytes = max(bytes, len(it.Value()))
	}
	t.Logf("%d blocks, the largest %d entries (%d bytes); maxBlock is %d", blocks, biggest,
		bytes, maxBlock)
	if biggest > 4*maxBlock {
		t.Errorf("a block of %d entries, %d bytes, rewritten at every commit", biggest, bytes)
	}
	_ = pebble.Sync
}
