package storetest

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

func testAppendFlushGet(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	all := interleave(1, series(1, 0, 10), series(2, 0, 8), series(3, 0, 5))
	appendAll(t, b, all, 4)
	for _, o := range all {
		got, err := b.Get(t.Context(), o.ID)
		if err != nil {
			t.Fatalf("Get(%d): %v", o.ID, err)
		}
		if d := diffObs(got, o); d != "" {
			t.Fatalf("Get(%d): %s", o.ID, d)
		}
	}
	if err := b.Append(t.Context(), nil); err != nil {
		t.Fatalf("Append of no Observations: %v", err)
	}
	if err := b.Flush(t.Context()); err != nil {
		t.Fatalf("Flush with nothing queued: %v", err)
	}
}

func testGetMissing(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	if _, err := b.Get(t.Context(), 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get on an empty store: %v, want ErrNotFound", err)
	}
	appendAll(t, b, series(1, 10, 3), 3)
	for _, id := range []uint64{0, 9, 13, math.MaxUint64} {
		if _, err := b.Get(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get(%d): %v, want ErrNotFound", id, err)
		}
	}
}

// resultCases are results that must come back bit for bit.
var resultCases = []struct {
	name string
	v    model.Value
}{
	{"zero", model.Number(0)},
	{"negative zero", model.Number(math.Copysign(0, -1))},
	{"negative fraction", model.Number(-273.15)},
	{"fraction", model.Number(0.1)},
	{"integer beyond 2^53", model.Number(1 << 60)},
	{"huge", model.Number(math.MaxFloat64)},
	{"tiny", model.Number(math.SmallestNonzeroFloat64)},
	{"negative huge", model.Number(-1e300)},
	{"infinity", model.Number(math.Inf(1))},
	{"NaN", model.Number(math.NaN())},
	{"empty string", model.String("")},
	{"ascii string", model.String("ok")},
	{"unicode string", model.String("Åre ö 温度 🌡️")},
	{"string with NUL", model.String("a\x00b")},
	{"long string", model.String(strings.Repeat("vindel ", 2000))},
	{"true", model.Bool(true)},
	{"false", model.Bool(false)},
	{"null", model.Value{}},
}

func testResultKinds(t *testing.T, h *harness) {
	b, dir := h.fresh(t)
	obs := make([]model.Observation, len(resultCases))
	for i, rc := range resultCases {
		obs[i] = model.Observation{ID: uint64(i + 1), DatastreamID: 7,
			PhenomenonTime: t0.Add(time.Duration(i) * time.Second), Result: rc.v}
		if i%2 == 0 { // half without a resultTime: the zero time must survive too
			obs[i].ResultTime = t0.Add(time.Hour)
		}
	}
	appendAll(t, b, obs, 5)
	check := func(t *testing.T, b Backend) {
		t.Helper()
		for i, rc := range resultCases {
			got, err := b.Get(t.Context(), obs[i].ID)
			if err != nil {
				t.Fatalf("%s: Get: %v", rc.name, err)
			}
			if d := diffObs(got, obs[i]); d != "" {
				t.Errorf("%s: %s", rc.name, d)
			}
		}
		got, err := b.Range(t.Context(), store.RangeQuery{DatastreamID: 7})
		if err != nil {
			t.Fatalf("Range: %v", err)
		}
		wantObs(t, "Range", got, obs)
	}
	check(t, b)
	if !h.opt.Persistent {
		return
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	check(t, h.reopen(t, dir))
}

// testAppendLeavesInput checks that Append reads the caller's slice and never changes it:
// the pipeline hands the same slice to the stream once Flush returns.
func testAppendLeavesInput(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	obs := series(1, 1, 5)
	obs[2].PhenomenonTime = obs[2].PhenomenonTime.In(time.FixedZone("CET", 3600))
	want := append([]model.Observation(nil), obs...)
	if err := b.Append(t.Context(), obs); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := b.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	for i := range want {
		if obs[i] != want[i] {
			t.Fatalf("Append changed observation %d: %+v, was %+v", i, obs[i], want[i])
		}
	}
	got, err := b.Range(t.Context(), store.RangeQuery{DatastreamID: 1})
	if err != nil {
		t.Fatalf("Range: %v", err)
	}
	wantObs(t, "Range", got, byTime(want, 1))
}

// testAppendDuplicateID checks that an Observation whose ID is stored already is ignored,
// both across Flushes and within one batch, so that a replay cannot double-count.
func testAppendDuplicateID(t *testing.T, h *harness) {
	b, _ := h.fresh(t)
	first := series(1, 1, 5)
	appendAll(t, b, first, 5)
	again := series(2, 3, 4) // IDs 3..6: 3..5 are stored, 6 is new
	again = append(again, again[3])
	appendAll(t, b, again, 2)
	got, err := b.Scan(t.Context(), store.ScanQuery{})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	wantObs(t, "Scan", got, append(first, again[3]))
	for ds, want := range map[int64]int64{1: 5, 2: 1, 0: 6} {
		n, err := b.Count(t.Context(), ds, time.Time{}, time.Time{})
		if err != nil || n != want {
			t.Fatalf("Count(%d) = %d, %v; want %d", ds, n, err, want)
		}
	}
}
