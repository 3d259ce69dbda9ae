package pebblestore

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// benchDatastreams is how many Datastreams BenchmarkAppend spreads its Observations over.
const benchDatastreams = 100

// benchObs returns the i-th Observation of the append benchmarks: IDs in order, each
// Datastream's times in order, as live uplinks arrive.
func benchObs(i int) model.Observation {
	return model.Observation{
		ID:             uint64(i + 1),
		DatastreamID:   int64(i%benchDatastreams + 1),
		PhenomenonTime: t0.Add(time.Duration(i) * time.Millisecond),
		ResultTime:     t0.Add(time.Duration(i) * time.Millisecond),
		Result:         model.Number(float64(i%500) / 10),
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// BenchmarkAppend measures appending Observations, 64 per Append call, through the writer
// into Pebble, Flush included. The references write straight into Pebble, in batches of the
// same size, what the layouts before chunks (4) wrote, without the store's own work:
// pebble-series-key a series key per Observation beside the by-ID blocks (layout 3),
// pebble-per-key a key per Observation in each index (layout 2).
func BenchmarkAppend(b *testing.B) {
	b.Run("store", func(b *testing.B) {
		s, err := Open(b.TempDir(), Options{}, quiet())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		chunk := make([]model.Observation, 0, 64)
		b.ResetTimer()
		for i := range b.N {
			if chunk = append(chunk, benchObs(i)); len(chunk) == cap(chunk) || i == b.N-1 {
				if err := s.Append(ctx, chunk); err != nil {
					b.Fatal(err)
				}
				chunk = make([]model.Observation, 0, 64) // the store reads it until Flush
			}
		}
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "obs/s")
	})
	for _, perKey := range []bool{false, true} {
		name := map[bool]string{false: "pebble-series-key", true: "pebble-per-key"}[perKey]
		b.Run(name, func(b *testing.B) {
			db, err := pebble.Open(b.TempDir(), &pebble.Options{MemTableSize: 32 << 20,
				Logger: pebbleLogger{quiet()}})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			b.ResetTimer()
			rawWrites(b, db, b.N, Options{}.withDefaults().BatchSize, perKey)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "obs/s")
		})
	}
}

// rawWrites writes n benchmark Observations' keys, and a count key per Datastream per
// batch, in batches of batchSize, then syncs as Flush does. The by-ID index is one block
// per batch, or with perKey one key per Observation.
func rawWrites(b *testing.B, db *pebble.DB, n, batchSize int, perKey bool) {
	var key, val, recs []byte
	var ends []int
	counts := map[int64]int64{}
	batch := db.NewBatch()
	first := uint64(0)
	for i := range n {
		o := benchObs(i)
		pt := o.PhenomenonTime.UnixNano()
		key = obsKey(key[:0], o.DatastreamID, pt, o.ID)
		val, _ = appendResult(val[:0], o)
		_ = batch.Set(key, val, nil)
		if perKey {
			key = binary.BigEndian.AppendUint64(append(key[:0], prefixID), o.ID)
			val, _ = appendIDRecord(val[:0], o, pt)
			_ = batch.Set(key, val, nil)
		} else {
			if len(ends) == 0 {
				first = o.ID
			}
			recs, _ = appendIDRecord(recs, o, pt)
			ends = append(ends, len(recs))
		}
		counts[o.DatastreamID]++
		if (i+1)%batchSize != 0 && i != n-1 {
			continue
		}
		if len(ends) > 0 {
			es, start := make([]idEntry, len(ends)), 0
			for j, end := range ends {
				es[j] = idEntry{id: first + uint64(j), rec: recs[start:end]}
				start = end
			}
			for ; len(es) > 0; es = es[min(len(es), maxBlock):] {
				block := es[:min(len(es), maxBlock)]
				_ = batch.Set(blockKey(nil, block[0].id), appendBlock(nil, block), nil)
			}
			recs, ends = recs[:0], ends[:0]
		}
		for ds, c := range counts {
			_ = batch.Set(countKey(ds), binary.BigEndian.AppendUint64(nil, uint64(c)), nil)
		}
		if err := batch.Commit(pebble.NoSync); err != nil {
			b.Fatal(err)
		}
		_ = batch.Close()
		batch = db.NewBatch()
	}
	_ = batch.Close()
	if err := db.LogData(nil, pebble.Sync); err != nil {
		b.Fatal(err)
	}
}

// deepRows is the length of the long series of the read benchmarks.
const deepRows = 1_000_000

var (
	fixtureOnce sync.Once
	fixture     *Store
	fixtureErr  error
	fixtureDir  string
)

// deepFixture opens, once per test binary, a store with deepRows Observations in
// Datastream 1, one second apart, and 1000 in each of Datastreams 2 to 100.
func deepFixture(b *testing.B) *Store {
	b.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "pebblestore-bench-")
		if fixtureErr != nil {
			return
		}
		fixture, fixtureErr = Open(fixtureDir, Options{}, quiet())
		if fixtureErr != nil {
			return
		}
		start := time.Now()
		fixtureErr = fillDeep(fixture)
		b.Logf("fixture of %d rows written in %v", deepRows+99_000, time.Since(start))
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixture
}

// deepObs is the i-th Observation of the long series.
func deepObs(i int) model.Observation {
	return model.Observation{ID: uint64(i + 1), DatastreamID: 1,
		PhenomenonTime: t0.Add(time.Duration(i) * time.Second), Result: model.Number(float64(i))}
}

func fillDeep(s *Store) error {
	ctx := context.Background()
	chunk := make([]model.Observation, 0, 4096)
	for i := range deepRows {
		chunk = append(chunk, deepObs(i))
		if len(chunk) == cap(chunk) {
			if err := s.Append(ctx, chunk); err != nil {
				return err
			}
			chunk = make([]model.Observation, 0, 4096) // the store reads it until Flush
		}
	}
	for i := range 99 * 1000 {
		o := model.Observation{ID: uint64(deepRows + i + 1), DatastreamID: int64(i%99 + 2),
			PhenomenonTime: t0.Add(time.Duration(i) * time.Second), Result: model.Bool(true)}
		chunk = append(chunk, o)
	}
	if err := s.Append(ctx, chunk); err != nil {
		return err
	}
	if err := s.Flush(ctx); err != nil {
		return err
	}
	// Compacting settles the tree, so that the read benchmarks do not race the background
	// compactions that the fill started, and both depths are read from the same levels.
	return s.db.Compact([]byte{0}, []byte{0xff}, true)
}

// TestMain removes the read benchmarks' fixture after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if fixture != nil {
		_ = fixture.Close()
		_ = os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// BenchmarkRangePage reads one 100-row page after a cursor near the start and deep inside
// a 1M-row series, both ways: with keyset paging the cost must not depend on the depth.
func BenchmarkRangePage(b *testing.B) {
	s := deepFixture(b)
	ctx := context.Background()
	for _, depth := range []int{1_000, 900_000} {
		for _, desc := range []bool{false, true} {
			b.Run(fmt.Sprintf("depth=%d/desc=%v", depth, desc), func(b *testing.B) {
				at := deepObs(depth)
				q := store.RangeQuery{DatastreamID: 1, Desc: desc, Limit: 100,
					After: &store.Cursor{Time: at.PhenomenonTime, ID: at.ID}}
				for b.Loop() {
					page, err := s.Range(ctx, q)
					if err != nil || len(page) != 100 {
						b.Fatalf("page of %d rows, %v", len(page), err)
					}
				}
			})
		}
	}
}

// BenchmarkCount counts without bounds (in memory) and with bounds (a key-range count).
func BenchmarkCount(b *testing.B) {
	s := deepFixture(b)
	ctx := context.Background()
	tests := []struct {
		name     string
		ds       int64
		from, to time.Time
		want     int64
	}{
		{"datastream", 1, time.Time{}, time.Time{}, deepRows},
		{"all", 0, time.Time{}, time.Time{}, deepRows + 99_000},
		{"bounded-1k", 1, t0.Add(500_000 * time.Second), t0.Add(501_000 * time.Second), 1_000},
		{"bounded-100k", 1, t0.Add(500_000 * time.Second), t0.Add(600_000 * time.Second),
			100_000},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				n, err := s.Count(ctx, tc.ds, tc.from, tc.to)
				if err != nil || n != tc.want {
					b.Fatalf("Count = %d, %v; want %d", n, err, tc.want)
				}
			}
		})
	}
}

// BenchmarkLatest returns the latest Observation of each of 1000 Datastreams.
func BenchmarkLatest(b *testing.B) {
	s, err := Open(b.TempDir(), Options{}, quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	obs := make([]model.Observation, 10_000)
	for i := range obs {
		obs[i] = model.Observation{ID: uint64(i + 1), DatastreamID: int64(i%1000 + 1),
			PhenomenonTime: t0.Add(time.Duration(i) * time.Second), Result: model.Number(1)}
	}
	if err := s.Append(ctx, obs); err != nil {
		b.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if m, err := s.Latest(ctx); err != nil || len(m) != 1000 {
			b.Fatalf("Latest = %d, %v", len(m), err)
		}
	}
}

// BenchmarkScanPage reads one 100-row page by ID, as a stream client resuming from an old
// offset does, near the start and deep inside the fixture's 1.1M Observations: with the
// by-ID index in blocks, a page is one seek and a block or two, at any depth.
func BenchmarkScanPage(b *testing.B) {
	s := deepFixture(b)
	ctx := context.Background()
	for _, after := range []uint64{1_000, 900_000} {
		for _, desc := range []bool{false, true} {
			b.Run(fmt.Sprintf("after=%d/desc=%v", after, desc), func(b *testing.B) {
				q := store.ScanQuery{AfterID: after, Desc: desc, Limit: 100}
				for b.Loop() {
					if got, err := s.Scan(ctx, q); err != nil || len(got) != 100 {
						b.Fatalf("Scan = %d rows, %v", len(got), err)
					}
				}
			})
		}
	}
}
