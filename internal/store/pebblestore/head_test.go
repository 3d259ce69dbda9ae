package pebblestore

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// seriesGen makes Observations the way sensors send them: a few busy Datastreams and some
// quiet ones, times mostly rising with now and then a backfill from the past, ties on the
// same time, and IDs held back to be filled in later, below IDs already stored.
type seriesGen struct {
	rng    *rand.Rand
	nextID uint64
	last   map[int64]time.Duration
	held   []model.Observation
}

func (g *seriesGen) obs(ds int64) model.Observation {
	g.nextID++
	at := g.last[ds] + time.Duration(1+g.rng.IntN(60))*time.Second
	g.last[ds] = at
	switch g.rng.IntN(10) {
	case 0: // a backfill
		at = time.Duration(g.rng.Int64N(int64(at) + 1))
	case 1: // the same time as the one before
		at = g.last[ds]
	}
	o := model.Observation{ID: g.nextID, DatastreamID: ds, PhenomenonTime: t0.Add(at),
		Result: model.Number(float64(g.nextID) / 8)}
	switch g.rng.IntN(4) {
	case 0:
		o.ResultTime = o.PhenomenonTime.Add(time.Minute)
	case 1:
		o.Result = model.String(fmt.Sprint("s", g.nextID))
	}
	return o
}

// batch returns n Observations to append; some are held back for a later batch.
func (g *seriesGen) batch(n int) []model.Observation {
	out := g.held
	g.held = nil
	for range n {
		ds := int64(1 + g.rng.IntN(3)) // busy
		if g.rng.IntN(20) == 0 {
			ds = int64(4 + g.rng.IntN(4)) // quiet
		}
		o := g.obs(ds)
		if g.rng.IntN(50) == 0 {
			g.held = append(g.held, o)
			continue
		}
		out = append(out, o)
	}
	return out
}

// TestSeriesAgainstModel appends such Observations in calls of random size and after each
// round checks every Datastream against a sorted model: Range both ways, whole and paged
// through cursors, between random times, and Count between the same times. Between rounds
// the store is reopened, crashed after a Flush on a file system that forgets every write
// not synced, or reopened with Verify (restart). A small HeadSpan makes quiet Datastreams'
// heads seal by age.
func TestSeriesAgainstModel(t *testing.T) {
	for _, opt := range []Options{{HeadSpan: 40, BatchSize: 16}, {BatchSize: 64},
		{HeadSpan: 300, BatchSize: 1000}} {
		t.Run(fmt.Sprintf("span%d-batch%d", opt.HeadSpan, opt.BatchSize), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(opt.HeadSpan), uint64(opt.BatchSize)))
			g := &seriesGen{rng: rng, last: map[int64]time.Duration{}}
			fs := vfs.NewStrictMem()
			s, err := open("", opt, quiet(), fs)
			if err != nil {
				t.Fatal(err)
			}
			var stored []model.Observation
			for round := range 9 {
				for range 1 + rng.IntN(6) {
					b := g.batch(1 + rng.IntN(300))
					if err := s.Append(t.Context(), b); err != nil {
						t.Fatal(err)
					}
					stored = append(stored, b...)
				}
				if err := s.Flush(t.Context()); err != nil {
					t.Fatal(err)
				}
				agrees(t, rng, s, stored)
				consistent(t, s)
				s = restart(t, s, fs, opt, round)
				agrees(t, rng, s, stored)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// agrees fails unless s reads every Datastream of want as the model does.
func agrees(t *testing.T, rng *rand.Rand, s *Store, want []model.Observation) {
	t.Helper()
	series := map[int64][]model.Observation{}
	for _, o := range want {
		series[o.DatastreamID] = append(series[o.DatastreamID], o)
	}
	for ds, m := range series {
		slices.SortFunc(m, func(a, b model.Observation) int {
			return cmp.Or(a.PhenomenonTime.Compare(b.PhenomenonTime), cmp.Compare(a.ID, b.ID))
		})
		desc := slices.Clone(m)
		slices.Reverse(desc)
		sameObs(t, "asc", rangeAll(t, s, store.RangeQuery{DatastreamID: ds}), m)
		sameObs(t, "desc", rangeAll(t, s, store.RangeQuery{DatastreamID: ds, Desc: true}), desc)
		limit := 1 + rng.IntN(37)
		sameObs(t, "asc pages", rangeAll(t, s, store.RangeQuery{DatastreamID: ds, Limit: limit}), m)
		sameObs(t, "desc pages", rangeAll(t, s, store.RangeQuery{DatastreamID: ds, Desc: true,
			Limit: limit}), desc)

		for range 4 {
			a := m[rng.IntN(len(m))].PhenomenonTime
			b := m[rng.IntN(len(m))].PhenomenonTime.Add(time.Duration(rng.IntN(3)) * time.Second)
			if b.Before(a) {
				a, b = b, a
			}
			var in []model.Observation
			for _, o := range m {
				if !o.PhenomenonTime.Before(a) && o.PhenomenonTime.Before(b) {
					in = append(in, o)
				}
			}
			q := store.RangeQuery{DatastreamID: ds, From: a, To: b, Limit: limit}
			sameObs(t, "asc between", rangeAll(t, s, q), in)
			q.Desc = true
			slices.Reverse(in)
			sameObs(t, "desc between", rangeAll(t, s, q), in)
			n, err := s.Count(t.Context(), ds, a, b)
			if err != nil || n != int64(len(in)) {
				t.Fatalf("Count(%d, %v, %v) = %d, %v; want %d", ds, a, b, n, err, len(in))
			}
		}
		if n, _ := s.Count(t.Context(), ds, time.Time{}, time.Time{}); n != int64(len(m)) {
			t.Fatalf("Count(%d) = %d, want %d", ds, n, len(m))
		}
	}
}

// rangeAll reads every page of q, each continuing after the last row of the one before.
func rangeAll(t *testing.T, s *Store, q store.RangeQuery) []model.Observation {
	t.Helper()
	var all []model.Observation
	for {
		page, err := s.Range(t.Context(), q)
		if err != nil {
			t.Fatalf("Range(%+v): %v", q, err)
		}
		all = append(all, page...)
		if q.Limit == 0 || len(page) < q.Limit {
			return all
		}
		last := page[len(page)-1]
		q.After = &store.Cursor{Time: last.PhenomenonTime, ID: last.ID}
	}
}

// sameObs fails unless got and want hold the same Observations in the same order.
func sameObs(t *testing.T, what string, got, want []model.Observation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.DatastreamID != w.DatastreamID ||
			!g.PhenomenonTime.Equal(w.PhenomenonTime) || !g.ResultTime.Equal(w.ResultTime) ||
			g.Result != w.Result {
			t.Fatalf("%s: row %d = %+v, want %+v", what, i, g, w)
		}
	}
}

// TestReadWhileSealing reads one Datastream over and over while its head is sealed again
// and again: every read must see each Observation committed before it began exactly once,
// in order, whether it was in the head or in a chunk at that moment.
func TestReadWhileSealing(t *testing.T) {
	s, err := Open(t.TempDir(), Options{BatchSize: 8, FlushInterval: time.Millisecond}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 3000
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := uint64(1); i <= n; i += 10 {
			b := make([]model.Observation, 10)
			for j := range b {
				id := i + uint64(j)
				b[j] = model.Observation{ID: id, DatastreamID: 1,
					PhenomenonTime: t0.Add(time.Duration(id) * time.Second), Result: model.Number(1)}
			}
			if err := s.Append(t.Context(), b); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for {
		committed, _ := s.LastID(t.Context())
		rows, err := s.Range(t.Context(), store.RangeQuery{DatastreamID: 1})
		if err != nil {
			t.Fatal(err)
		}
		if uint64(len(rows)) < committed {
			t.Fatalf("read %d rows after ID %d was committed", len(rows), committed)
		}
		for i, o := range rows {
			if o.ID != uint64(i+1) {
				t.Fatalf("row %d has ID %d: missed or repeated", i, o.ID)
			}
		}
		if committed == n {
			break
		}
	}
	wg.Wait()
}
