package storetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

func testScan(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	all := interleave(1, series(1, 0, 12), series(2, 0, 9), series(3, 0, 4))
	appendAll(t, b, all, 6)
	tests := []struct {
		name string
		q    store.ScanQuery
		want []model.Observation
	}{
		{"all ascending", store.ScanQuery{}, all},
		{"all descending", store.ScanQuery{Desc: true}, reversed(all)},
		{"after 10", store.ScanQuery{AfterID: 10}, all[10:]},
		{"before 10", store.ScanQuery{AfterID: 10, Desc: true}, reversed(all[:9])},
		{"after the last", store.ScanQuery{AfterID: 25}, nil},
		{"after max", store.ScanQuery{AfterID: math.MaxUint64}, nil},
		{"before max", store.ScanQuery{AfterID: math.MaxUint64, Desc: true}, reversed(all)},
		{"before the first", store.ScanQuery{AfterID: 1, Desc: true}, nil},
		{"limit", store.ScanQuery{AfterID: 3, Limit: 4}, all[3:7]},
		{"limit descending", store.ScanQuery{Desc: true, Limit: 2}, reversed(all[23:])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.Scan(t.Context(), tc.q)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			wantObs(t, "Scan", got, tc.want)
		})
	}
}

func testScanPaging(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	all := interleave(100, series(1, 0, 30), series(2, 0, 20))
	appendAll(t, b, all, 9)
	for _, limit := range []int{1, 4, 50} {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("limit=%d/desc=%v", limit, desc), func(t *testing.T) {
				var got []model.Observation
				q := store.ScanQuery{Desc: desc, Limit: limit}
				for page := 0; page <= len(all); page++ {
					rows, err := b.Scan(t.Context(), q)
					if err != nil {
						t.Fatalf("Scan: %v", err)
					}
					got = append(got, rows...)
					if len(rows) < limit {
						break
					}
					q.AfterID = rows[len(rows)-1].ID
				}
				want := all
				if desc {
					want = reversed(all)
				}
				wantObs(t, "paged Scan", got, want)
			})
		}
	}
}

func testCount(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	all := rangeFixture(t, b)
	from, to := t0.Add(3*time.Minute), t0.Add(17*time.Minute)
	tests := []struct {
		name     string
		ds       int64
		from, to time.Time
	}{
		{"ds 1", 1, time.Time{}, time.Time{}},
		{"ds 2", 2, time.Time{}, time.Time{}},
		{"ds 256", 256, time.Time{}, time.Time{}},
		{"unknown ds", 3, time.Time{}, time.Time{}},
		{"ds 2 bounded", 2, from, to},
		{"ds 2 from only", 2, from, time.Time{}},
		{"ds 2 to only", 2, time.Time{}, to},
		{"ds 2 empty window", 2, to, from},
		{"all", 0, time.Time{}, time.Time{}},
		{"all bounded", 0, from, to},
		{"all from on a slot", 0, t0.Add(5 * time.Minute), time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sel := all
			if tc.ds != 0 {
				sel = byTime(all, tc.ds)
			}
			want := int64(len(within(sel, tc.from, tc.to)))
			got, err := b.Count(t.Context(), tc.ds, tc.from, tc.to)
			if err != nil {
				t.Fatalf("Count: %v", err)
			}
			if got != want {
				t.Fatalf("Count(%d, %v, %v) = %d, want %d", tc.ds, tc.from, tc.to, got, want)
			}
		})
	}
}

// wantLatest fails unless got holds exactly the newest Observation of each Datastream in all.
func wantLatest(t *testing.T, got map[int64]model.Observation, all []model.Observation) {
	t.Helper()
	want := map[int64]model.Observation{}
	for _, o := range all {
		w, ok := want[o.DatastreamID]
		if !ok || o.PhenomenonTime.After(w.PhenomenonTime) ||
			(o.PhenomenonTime.Equal(w.PhenomenonTime) && o.ID > w.ID) {
			want[o.DatastreamID] = o
		}
	}
	if len(got) != len(want) {
		t.Fatalf("Latest has %d Datastreams, want %d", len(got), len(want))
	}
	for ds, w := range want {
		if d := diffObs(got[ds], w); d != "" {
			t.Fatalf("Latest of %d: %s", ds, d)
		}
	}
}

func testLatest(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	got, err := b.Latest(t.Context())
	if err != nil || len(got) != 0 {
		t.Fatalf("Latest of an empty store = %v, %v; want empty", got, err)
	}
	all := rangeFixture(t, b)
	got, err = b.Latest(t.Context())
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	wantLatest(t, got, all)

	// An older Observation appended later is not the latest; a tie goes to the higher ID.
	late := byTime(all, 1)
	newest := late[len(late)-1]
	more := []model.Observation{
		{ID: 1000, DatastreamID: 1, PhenomenonTime: t0.Add(-time.Hour), Result: model.Bool(true)},
		{ID: 1001, DatastreamID: 256, PhenomenonTime: byTime(all, 256)[8].PhenomenonTime,
			Result: model.String("tie")},
	}
	appendAll(t, b, more, 1)
	got, err = b.Latest(t.Context())
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	if d := diffObs(got[1], newest); d != "" {
		t.Fatalf("Latest of 1 after an older append: %s", d)
	}
	wantLatest(t, got, append(all, more...))
	if got[256].ID != 1001 {
		t.Fatalf("Latest of 256 = ID %d, want the tie's higher ID 1001", got[256].ID)
	}

	got[1] = model.Observation{} // the map is the caller's
	if again, _ := b.Latest(t.Context()); again[1].ID != newest.ID {
		t.Fatal("changing the map Latest returned changed the store")
	}
}

func testLastID(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	if id, err := b.LastID(t.Context()); err != nil || id != 0 {
		t.Fatalf("LastID of an empty store = %d, %v; want 0", id, err)
	}
	appendAll(t, b, series(1, 50, 3), 3)
	appendAll(t, b, series(2, 20, 3), 3) // lower IDs arriving later
	if id, err := b.LastID(t.Context()); err != nil || id != 52 {
		t.Fatalf("LastID = %d, %v; want 52", id, err)
	}
}
