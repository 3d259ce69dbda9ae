package pebblestore

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// hostileGen makes Observations meant to break the series layout: IDs in any order, many
// far below what is sealed, duplicates of stored IDs (with other Datastreams and times),
// times at the ends of what Unix nanoseconds hold and equal times with other IDs, and
// now and then a string result of many KB.
type hostileGen struct {
	rng   *rand.Rand
	nds   int
	used  map[uint64]bool
	ids   []uint64 // IDs handed out, for duplicates
	times []int64  // times handed out, for ties
	top   uint64
}

func (g *hostileGen) id() uint64 {
	for {
		var id uint64
		switch g.rng.IntN(6) {
		case 0: // far below the top: below sealed marks
			id = 1 + g.rng.Uint64N(g.top+1)
		case 1: // just above the top
			id = g.top + 1 + g.rng.Uint64N(3)
		default: // rising
			id = g.top + 1
		}
		if !g.used[id] {
			g.used[id] = true
			g.top = max(g.top, id)
			g.ids = append(g.ids, id)
			return id
		}
	}
}

func (g *hostileGen) time() int64 {
	var pt int64
	switch g.rng.IntN(8) {
	case 0:
		pt = math.MinInt64 + g.rng.Int64N(3)
	case 1:
		pt = math.MaxInt64 - g.rng.Int64N(3)
	case 2, 3:
		if len(g.times) > 0 {
			return g.times[g.rng.IntN(len(g.times))]
		}
		pt = 0
	default:
		pt = t0.UnixNano() + g.rng.Int64N(int64(time.Hour))
	}
	g.times = append(g.times, pt)
	return pt
}

func (g *hostileGen) obs() model.Observation {
	o := model.Observation{DatastreamID: int64(1 + g.rng.IntN(g.nds))}
	if g.rng.IntN(7) == 0 && len(g.ids) > 0 { // a duplicate: must be skipped
		o.ID = g.ids[g.rng.IntN(len(g.ids))]
	} else {
		o.ID = g.id()
	}
	if g.rng.IntN(11) == 0 {
		o.DatastreamID = -o.DatastreamID
	}
	o.PhenomenonTime = time.Unix(0, g.time())
	switch g.rng.IntN(5) {
	case 0:
		n := 1 + g.rng.IntN(20)
		if g.rng.IntN(20) == 0 {
			n = 5000 // about 25 KB
		}
		o.Result = model.String(strings.Repeat(fmt.Sprint(o.ID, ","), n))
	case 1:
		o.Result = model.Bool(o.ID%2 == 0)
		o.ResultTime = time.Unix(0, g.time())
	case 2:
		o.ResultTime = o.PhenomenonTime
		o.Result = model.Number(-float64(o.ID))
	default:
		o.Result = model.Number(float64(o.ID) / 3)
	}
	return o
}

// hostileModel is what the store must hold: the first Observation appended with each ID.
type hostileModel struct {
	byID map[uint64]model.Observation
}

func (m *hostileModel) add(obs []model.Observation) {
	for _, o := range obs {
		if _, ok := m.byID[o.ID]; !ok {
			m.byID[o.ID] = o
		}
	}
}

func (m *hostileModel) series() map[int64][]model.Observation {
	out := map[int64][]model.Observation{}
	for _, o := range m.byID {
		out[o.DatastreamID] = append(out[o.DatastreamID], o)
	}
	for _, s := range out {
		slices.SortFunc(s, func(a, b model.Observation) int {
			return cmp.Or(cmp.Compare(a.PhenomenonTime.UnixNano(), b.PhenomenonTime.UnixNano()),
				cmp.Compare(a.ID, b.ID))
		})
	}
	return out
}

// TestHostileSeries appends hostile Observations over many Datastreams with tiny
// HeadSpans and batch sizes, and after each round checks the store against the model; between
// rounds it closes, crashes after a Flush, or reopens with Verify.
func TestHostileSeries(t *testing.T) {
	for _, tc := range []struct {
		opt Options
		nds int
	}{{Options{HeadSpan: 1, BatchSize: 3}, 10}, {Options{HeadSpan: 2, BatchSize: 1}, 12},
		{Options{HeadSpan: 7, BatchSize: 50}, 3}, {Options{HeadSpan: 1000, BatchSize: 400}, 2},
		{Options{BatchSize: 2000}, 1}, {Options{HeadSpan: 90, BatchSize: 30}, 2}} {
		opt := tc.opt
		t.Run(fmt.Sprintf("span%d-batch%d-ds%d", opt.HeadSpan, opt.BatchSize, tc.nds), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(opt.HeadSpan)+7, uint64(opt.BatchSize)))
			g := &hostileGen{rng: rng, nds: tc.nds, used: map[uint64]bool{}}
			m := &hostileModel{byID: map[uint64]model.Observation{}}
			fs := vfs.NewStrictMem()
			s, err := open("", opt, quiet(), fs)
			if err != nil {
				t.Fatal(err)
			}
			for round := range 4 {
				for range 1 + rng.IntN(5) {
					b := make([]model.Observation, 1+rng.IntN(120))
					for i := range b {
						b[i] = g.obs()
					}
					if err := s.Append(t.Context(), b); err != nil {
						t.Fatal(err)
					}
					m.add(b)
				}
				if err := s.Flush(t.Context()); err != nil {
					t.Fatal(err)
				}
				hostileAgrees(t, rng, s, m)
				s = restart(t, s, fs, opt, round)
				hostileAgrees(t, rng, s, m)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// hostileAgrees checks every read of s against the model.
func hostileAgrees(t *testing.T, rng *rand.Rand, s *Store, m *hostileModel) {
	t.Helper()
	series := m.series()
	var total int64
	for ds, want := range series {
		total += int64(len(want))
		checkSeries(t, rng, s, ds, want)
	}
	if n, err := s.Count(t.Context(), 0, time.Time{}, time.Time{}); err != nil || n != total {
		t.Fatalf("Count(all) = %d, %v; want %d", n, err, total)
	}
	all := consistent(t, s)
	if len(all) != len(m.byID) {
		t.Fatalf("Scan: %d, want %d", len(all), len(m.byID))
	}
	for _, o := range all {
		sameObs(t, fmt.Sprint("scan ", o.ID), []model.Observation{o},
			[]model.Observation{norm(m.byID[o.ID])})
	}
	latest, _ := s.Latest(t.Context())
	for ds, want := range series {
		if l := latest[ds]; l.ID != want[len(want)-1].ID {
			t.Fatalf("Latest(%d) = ID %d, want %d", ds, l.ID, want[len(want)-1].ID)
		}
	}
}

// norm is o as the store gives it back: times in UTC.
func norm(o model.Observation) model.Observation {
	o.PhenomenonTime = o.PhenomenonTime.UTC()
	if !o.ResultTime.IsZero() {
		o.ResultTime = o.ResultTime.UTC()
	}
	return o
}

// checkSeries checks one Datastream's Range and Count: whole, paged, and between bounds at,
// just beside and beyond its entries, with cursors at and beyond its ends.
func checkSeries(t *testing.T, rng *rand.Rand, s *Store, ds int64, want []model.Observation) {
	t.Helper()
	desc := slices.Clone(want)
	slices.Reverse(desc)
	sameObs(t, "asc", rangeAll(t, s, store.RangeQuery{DatastreamID: ds}), want)
	sameObs(t, "desc", rangeAll(t, s, store.RangeQuery{DatastreamID: ds, Desc: true}), desc)
	limit := 1 + rng.IntN(9)
	sameObs(t, "asc pages", rangeAll(t, s, store.RangeQuery{DatastreamID: ds, Limit: limit}),
		want)
	sameObs(t, "desc pages", rangeAll(t, s, store.RangeQuery{DatastreamID: ds, Desc: true,
		Limit: limit}), desc)
	if n, _ := s.Count(t.Context(), ds, time.Time{}, time.Time{}); n != int64(len(want)) {
		t.Fatalf("Count(%d) = %d, want %d", ds, n, len(want))
	}

	first, last := want[0], want[len(want)-1]
	at := func(o model.Observation) *store.Cursor {
		return &store.Cursor{Time: o.PhenomenonTime, ID: o.ID}
	}
	for _, c := range []struct {
		name string
		q    store.RangeQuery
		n    int
	}{
		{"asc after last", store.RangeQuery{After: at(last)}, 0},
		{"desc before first", store.RangeQuery{After: at(first), Desc: true}, 0},
		{"asc after first", store.RangeQuery{After: at(first)}, len(want) - 1},
		{"desc before last", store.RangeQuery{After: at(last), Desc: true}, len(want) - 1},
		{"asc after far future", store.RangeQuery{After: &store.Cursor{
			Time: time.Unix(0, math.MaxInt64).Add(time.Hour)}}, 0},
		{"desc before far past", store.RangeQuery{Desc: true, After: &store.Cursor{
			Time: time.Unix(0, math.MinInt64).Add(-time.Hour)}}, 0},
		{"desc before far future", store.RangeQuery{Desc: true, After: &store.Cursor{
			Time: time.Unix(0, math.MaxInt64).Add(time.Hour)}}, len(want)},
		{"asc after far past", store.RangeQuery{After: &store.Cursor{
			Time: time.Unix(0, math.MinInt64).Add(-time.Hour)}}, len(want)},
		{"desc before max point", store.RangeQuery{Desc: true, After: &store.Cursor{
			Time: time.Unix(0, math.MaxInt64), ID: math.MaxUint64}}, -1},
	} {
		c.q.DatastreamID = ds
		got, err := s.Range(t.Context(), c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		n := c.n
		if n < 0 {
			n = len(want)
			if last.PhenomenonTime.UnixNano() == math.MaxInt64 && last.ID == math.MaxUint64 {
				n--
			}
		}
		if len(got) != n {
			t.Fatalf("ds %d %s: %d rows, want %d", ds, c.name, len(got), n)
		}
	}

	times := []time.Time{time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64),
		time.Unix(0, math.MinInt64).Add(-time.Second), time.Unix(0, math.MaxInt64).Add(time.Second),
		first.PhenomenonTime.Add(-1), last.PhenomenonTime.Add(1)}
	for range 6 {
		o := want[rng.IntN(len(want))].PhenomenonTime
		times = append(times, o, o.Add(1), o.Add(-1))
	}
	for range 12 {
		a, b := times[rng.IntN(len(times))], times[rng.IntN(len(times))]
		if rng.IntN(5) == 0 {
			b = a
		}
		if rng.IntN(6) == 0 {
			a = time.Time{}
		} else if rng.IntN(6) == 0 {
			b = time.Time{}
		}
		checkBetween(t, s, ds, want, a, b, limit)
	}
}

// checkBetween checks Range both ways and Count in [from, to), zero times open.
func checkBetween(t *testing.T, s *Store, ds int64, want []model.Observation,
	from, to time.Time, limit int) {
	t.Helper()
	var in []model.Observation
	for _, o := range want {
		if (from.IsZero() || !o.PhenomenonTime.Before(from)) &&
			(to.IsZero() || o.PhenomenonTime.Before(to)) {
			in = append(in, o)
		}
	}
	what := fmt.Sprintf("ds %d [%v, %v)", ds, from, to)
	q := store.RangeQuery{DatastreamID: ds, From: from, To: to, Limit: limit}
	sameObs(t, what+" asc", rangeAll(t, s, q), in)
	q.Desc = true
	rev := slices.Clone(in)
	slices.Reverse(rev)
	sameObs(t, what+" desc", rangeAll(t, s, q), rev)
	if from.IsZero() && to.IsZero() {
		return
	}
	n, err := s.Count(t.Context(), ds, from, to)
	if err != nil || n != int64(len(in)) {
		t.Fatalf("Count %s = %d, %v; want %d", what, n, err, len(in))
	}
}

// TestHostileReads reads and counts many Datastreams while hostile appends seal
// heads by age and backfill sealed chunks: each read must be in order, hold only the
// Datastream's own Observations, and lose none that an earlier read saw.
func TestHostileReads(t *testing.T) {
	s, err := open("", Options{HeadSpan: 3, BatchSize: 5, FlushInterval: time.Millisecond},
		quiet(), vfs.NewMem())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	g := &hostileGen{rng: rng, nds: 4, used: map[uint64]bool{}}
	var all []model.Observation
	for range 40 {
		b := make([]model.Observation, 1+rng.IntN(30))
		for i := range b {
			b[i] = g.obs()
		}
		all = append(all, b...)
	}
	m := &hostileModel{byID: map[uint64]model.Observation{}}
	m.add(all)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < len(all); i += 7 {
			if err := s.Append(t.Context(), all[i:min(i+7, len(all))]); err != nil {
				t.Error(err)
				return
			}
		}
		if err := s.Flush(t.Context()); err != nil {
			t.Error(err)
		}
	})
	seen := map[int64]map[uint64]bool{}
	for ds := int64(-4); ds <= 4; ds++ {
		seen[ds] = map[uint64]bool{}
	}
	for done := false; !done; {
		committed, _ := s.LastID(t.Context())
		done = committed == g.top
		for ds := int64(-4); ds <= 4; ds++ {
			rows, err := s.Range(t.Context(), store.RangeQuery{DatastreamID: ds})
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.Count(t.Context(), ds, time.Unix(0, math.MinInt64), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if n < int64(len(rows)) {
				t.Fatalf("ds %d: Count %d after Range read %d rows", ds, n, len(rows))
			}
			for id := range seen[ds] {
				if !slices.ContainsFunc(rows, func(o model.Observation) bool { return o.ID == id }) {
					t.Fatalf("ds %d: ID %d was read before and is gone", ds, id)
				}
			}
			for _, o := range rows {
				seen[ds][o.ID] = true
			}
			for i := 1; i < len(rows); i++ {
				a, b := rows[i-1], rows[i]
				if cmp.Or(cmp.Compare(a.PhenomenonTime.UnixNano(), b.PhenomenonTime.UnixNano()),
					cmp.Compare(a.ID, b.ID)) >= 0 {
					t.Fatalf("ds %d: row %d (%d) not after row %d (%d)", ds, i, b.ID, i-1, a.ID)
				}
			}
			for _, o := range rows {
				if w := m.byID[o.ID]; w.DatastreamID != ds {
					t.Fatalf("ds %d: row ID %d belongs to %d", ds, o.ID, w.DatastreamID)
				}
			}
		}
	}
	wg.Wait()
	hostileAgrees(t, rng, s, m)
}

// TestHostileCrashReplay crashes with commits not yet synced, then replays every Observation
// appended since the last Flush, as an ingest replaying its stream would: what survived
// must be skipped, what was lost must be filled in below IDs that are stored and sealed.
func TestHostileCrashReplay(t *testing.T) {
	for _, opt := range []Options{{HeadSpan: 4, BatchSize: 9, FlushInterval: time.Millisecond},
		{HeadSpan: 300, BatchSize: 64, FlushInterval: time.Millisecond}} {
		t.Run(fmt.Sprint("span", opt.HeadSpan), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(opt.HeadSpan)))
			g := &hostileGen{rng: rng, nds: 3, used: map[uint64]bool{}}
			m := &hostileModel{byID: map[uint64]model.Observation{}}
			fs := vfs.NewStrictMem()
			s, err := open("", opt, quiet(), fs)
			if err != nil {
				t.Fatal(err)
			}
			for round := range 6 {
				b := make([]model.Observation, 100+rng.IntN(300))
				for i := range b {
					b[i] = g.obs()
				}
				appendFlush(t, s, b[:len(b)/2])
				m.add(b[:len(b)/2])
				if err := s.Append(t.Context(), b[len(b)/2:]); err != nil {
					t.Fatal(err)
				}
				waitLastID(t, s, g.top) // some of it committed, none synced
				crash(s, fs)
				if s, err = open("", opt, quiet(), fs); err != nil {
					t.Fatalf("round %d: open: %v", round, err)
				}
				if n, _ := s.Count(t.Context(), 0, time.Time{}, time.Time{}); round == 0 {
					t.Logf("after the crash %d stored, %d flushed", n, len(m.byID))
				}
				appendFlush(t, s, b[len(b)/2:]) // the replay
				m.add(b[len(b)/2:])
				hostileAgrees(t, rng, s, m)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestHostileExtremePoints stores Observations at the very first and last points a series can
// hold, IDs near 2^64 arriving out of order, and pages to them with cursors at and beyond
// the ends of time.
func TestHostileExtremePoints(t *testing.T) {
	fs := vfs.NewStrictMem()
	opt := Options{HeadSpan: 2, BatchSize: 2}
	s, err := open("", opt, quiet(), fs)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)
	ids := []uint64{math.MaxUint64 - 5, math.MaxUint64, 7, math.MaxUint64 - 1, 3,
		math.MaxUint64 - 3, 1, math.MaxUint64 - 2}
	m := &hostileModel{byID: map[uint64]model.Observation{}}
	for i, id := range ids {
		pt := hi
		if i%2 == 1 {
			pt = lo
		}
		o := []model.Observation{{ID: id, DatastreamID: 9, PhenomenonTime: pt,
			Result: model.Number(float64(i))}}
		appendFlush(t, s, o)
		m.add(o)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	hostileAgrees(t, rng, s, m)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = open("", opt, quiet(), fs); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hostileAgrees(t, rng, s, m)
}

// TestHostileCursorBeyondTime pages from cursors outside the times a point can hold. A
// cursor after the end of time comes after every point, and one before its start before
// every point, so a page from it must hold every row; cursorPoint clamps such a cursor to
// the last (first) point itself, which a series can hold, and then leaves that point out.
func TestHostileCursorBeyondTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    model.Observation
		q    store.RangeQuery
	}{
		{"desc from after 2262", model.Observation{ID: math.MaxUint64,
			PhenomenonTime: time.Unix(0, math.MaxInt64)}, store.RangeQuery{Desc: true,
			After: &store.Cursor{Time: time.Unix(0, math.MaxInt64).Add(time.Hour)}}},
		{"asc from before 1678", model.Observation{ID: 0,
			PhenomenonTime: time.Unix(0, math.MinInt64)}, store.RangeQuery{
			After: &store.Cursor{Time: time.Unix(0, math.MinInt64).Add(-time.Hour)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := open("", Options{}, quiet(), vfs.NewMem())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			tc.o.DatastreamID, tc.o.Result = 9, model.Number(1)
			appendFlush(t, s, []model.Observation{tc.o})
			tc.q.DatastreamID = 9
			if all := rangeAll(t, s, store.RangeQuery{DatastreamID: 9}); len(all) != 1 {
				t.Fatalf("stored %d rows, want 1", len(all))
			}
			got, err := s.Range(t.Context(), tc.q)
			if err != nil || len(got) != 1 {
				t.Fatalf("Range(%+v) = %d rows, %v; want 1", tc.q, len(got), err)
			}
		})
	}
}
