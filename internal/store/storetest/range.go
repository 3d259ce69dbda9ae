package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// rangeFixture stores three Datastreams whose IDs sit next to each other in key order (1, 2
// and 256, which differ in a low byte only) and returns everything stored.
func rangeFixture(t *testing.T, b Backend) []model.Observation {
	t.Helper()
	all := interleave(1, series(1, 0, 40), series(2, 0, 61), series(256, 0, 9))
	appendAll(t, b, all, 13)
	return all
}

func testRangeOrder(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	all := rangeFixture(t, b)
	for _, ds := range []int64{1, 2, 256} {
		want := byTime(all, ds)
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("ds=%d/desc=%v", ds, desc), func(t *testing.T) {
				got, err := b.Range(t.Context(), store.RangeQuery{DatastreamID: ds, Desc: desc})
				if err != nil {
					t.Fatalf("Range: %v", err)
				}
				if desc {
					wantObs(t, "Range desc", got, reversed(want))
					return
				}
				wantObs(t, "Range asc", got, want)
			})
		}
	}
	got, err := b.Range(t.Context(), store.RangeQuery{DatastreamID: 3})
	if err != nil || len(got) != 0 {
		t.Fatalf("Range of a Datastream without Observations = %d rows, %v; want none", len(got),
			err)
	}
}

// within keeps the Observations with From <= phenomenonTime < To, zero bounds open.
func within(obs []model.Observation, from, to time.Time) []model.Observation {
	var out []model.Observation
	for _, o := range obs {
		if !from.IsZero() && o.PhenomenonTime.Before(from) {
			continue
		}
		if !to.IsZero() && !o.PhenomenonTime.Before(to) {
			continue
		}
		out = append(out, o)
	}
	return out
}

// boundCases are time windows over the fixture. Slot k holds the Observations whose
// phenomenonTime is t0 + k minutes.
var boundCases = []struct {
	name     string
	from, to time.Time
}{
	{"unbounded", time.Time{}, time.Time{}},
	{"from on a slot (inclusive)", t0.Add(5 * time.Minute), time.Time{}},
	{"from between slots", t0.Add(5*time.Minute + time.Nanosecond), time.Time{}},
	{"to on a slot (exclusive)", time.Time{}, t0.Add(9 * time.Minute)},
	{"to just after a slot", time.Time{}, t0.Add(9*time.Minute + time.Nanosecond)},
	{"both", t0.Add(3 * time.Minute), t0.Add(17 * time.Minute)},
	{"from equals to", t0.Add(3 * time.Minute), t0.Add(3 * time.Minute)},
	{"to before from", t0.Add(9 * time.Minute), t0.Add(3 * time.Minute)},
	{"before all", time.Time{}, t0},
	{"after all", t0.Add(24 * time.Hour), time.Time{}},
	{"far past to far future", t0.AddDate(-300, 0, 0), t0.AddDate(300, 0, 0)},
}

func testRangeBounds(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	all := rangeFixture(t, b)
	want := byTime(all, 2)
	for _, bc := range boundCases {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/desc=%v", bc.name, desc), func(t *testing.T) {
				q := store.RangeQuery{DatastreamID: 2, From: bc.from, To: bc.to, Desc: desc}
				got, err := b.Range(t.Context(), q)
				if err != nil {
					t.Fatalf("Range: %v", err)
				}
				w := within(want, bc.from, bc.to)
				if desc {
					w = reversed(w)
				}
				wantObs(t, "Range", got, w)
			})
		}
	}
}

// pageAll reads a whole Range page by page, following the After cursor, and fails if the
// walk does not end.
func pageAll(t *testing.T, b Backend, q store.RangeQuery) []model.Observation {
	t.Helper()
	var out []model.Observation
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("paging did not end after %d pages", pages)
		}
		page, err := b.Range(t.Context(), q)
		if err != nil {
			t.Fatalf("Range page %d: %v", pages, err)
		}
		if len(page) > q.Limit {
			t.Fatalf("page of %d rows, limit %d", len(page), q.Limit)
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			return out
		}
		q.After = cursorOf(page[len(page)-1])
	}
}

func testRangePaging(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	all := rangeFixture(t, b)
	want := byTime(all, 2)
	windows := []int{0, 5} // unbounded and "both" from boundCases
	for _, w := range windows {
		bc := boundCases[w]
		for _, limit := range []int{1, 2, 3, 7, 61, 100} {
			for _, desc := range []bool{false, true} {
				name := fmt.Sprintf("%s/limit=%d/desc=%v", bc.name, limit, desc)
				t.Run(name, func(t *testing.T) {
					q := store.RangeQuery{DatastreamID: 2, From: bc.from, To: bc.to,
						Desc: desc, Limit: limit}
					exp := within(want, bc.from, bc.to)
					if desc {
						exp = reversed(exp)
					}
					wantObs(t, "paged Range", pageAll(t, b, q), exp)
				})
			}
		}
	}
}

// testRangeCursorBetween checks cursors that name no stored Observation: a time between two
// slots, and a stored time with an ID between the two Observations that share it.
func testRangeCursorBetween(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	obs := []model.Observation{
		{ID: 10, DatastreamID: 1, PhenomenonTime: t0, Result: model.Number(1)},
		{ID: 20, DatastreamID: 1, PhenomenonTime: t0.Add(time.Minute), Result: model.Number(2)},
		{ID: 30, DatastreamID: 1, PhenomenonTime: t0.Add(time.Minute), Result: model.Number(3)},
		{ID: 40, DatastreamID: 1, PhenomenonTime: t0.Add(2 * time.Minute), Result: model.Number(4)},
	}
	appendAll(t, b, obs, len(obs))
	tests := []struct {
		name   string
		cursor store.Cursor
		desc   bool
		want   []model.Observation
	}{
		{"asc after a gap", store.Cursor{Time: t0.Add(30 * time.Second)}, false, obs[1:]},
		{"desc before a gap", store.Cursor{Time: t0.Add(30 * time.Second)}, true, obs[:1]},
		{"asc inside a tie", store.Cursor{Time: t0.Add(time.Minute), ID: 25}, false, obs[2:]},
		{"desc inside a tie", store.Cursor{Time: t0.Add(time.Minute), ID: 25}, true,
			reversed(obs[:2])},
		{"asc on the last", store.Cursor{Time: t0.Add(2 * time.Minute), ID: 40}, false, nil},
		{"desc on the first", store.Cursor{Time: t0, ID: 10}, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := store.RangeQuery{DatastreamID: 1, Desc: tc.desc, After: &tc.cursor}
			got, err := b.Range(t.Context(), q)
			if err != nil {
				t.Fatalf("Range: %v", err)
			}
			wantObs(t, "Range", got, tc.want)
		})
	}
}
