package storetest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// t0 has a nanosecond part so that a backend that rounds times fails the suite.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

// series returns n Observations of one Datastream with IDs firstID, firstID+1, ... whose
// phenomenonTimes are a permutation of the IDs' order in which pairs share a time, so that
// time order differs from ID order and ties must be broken by ID. n must not be a multiple
// of 7.
func series(ds int64, firstID uint64, n int) []model.Observation {
	obs := make([]model.Observation, n)
	for i := range obs {
		slot := (i * 7) % n / 2
		obs[i] = model.Observation{
			ID:             firstID + uint64(i),
			DatastreamID:   ds,
			PhenomenonTime: t0.Add(time.Duration(slot) * time.Minute),
			ResultTime:     t0.Add(time.Duration(i) * time.Second),
			Result:         model.Number(float64(i) + 0.25),
		}
	}
	return obs
}

// interleave merges series by position and renumbers the IDs from firstID in the merged
// order, as the pipeline would assign them to uplinks of several devices.
func interleave(firstID uint64, all ...[]model.Observation) []model.Observation {
	var out []model.Observation
	for i := 0; ; i++ {
		added := false
		for _, s := range all {
			if i < len(s) {
				out = append(out, s[i])
				added = true
			}
		}
		if !added {
			break
		}
	}
	for i := range out {
		out[i].ID = firstID + uint64(i)
	}
	return out
}

// byTime returns the Observations of ds in (phenomenonTime, ID) order, newest last.
func byTime(obs []model.Observation, ds int64) []model.Observation {
	var out []model.Observation
	for _, o := range obs {
		if o.DatastreamID == ds {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b model.Observation) int {
		if c := a.PhenomenonTime.Compare(b.PhenomenonTime); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// reversed returns a reversed copy.
func reversed(obs []model.Observation) []model.Observation {
	out := slices.Clone(obs)
	slices.Reverse(out)
	return out
}

// appendAll appends obs in chunks of at most chunk and flushes.
func appendAll(t *testing.T, b Backend, obs []model.Observation, chunk int) {
	t.Helper()
	for len(obs) > 0 {
		n := min(chunk, len(obs))
		if err := b.Append(t.Context(), obs[:n]); err != nil {
			t.Fatalf("Append: %v", err)
		}
		obs = obs[n:]
	}
	if err := b.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// sameValue reports whether two results are identical, comparing numbers bit for bit.
func sameValue(a, b model.Value) bool {
	return a.Kind == b.Kind && a.Str == b.Str &&
		math.Float64bits(a.Num) == math.Float64bits(b.Num)
}

// diffObs describes how got differs from want, or returns "" when they are the same.
func diffObs(got, want model.Observation) string {
	switch {
	case got.ID != want.ID:
		return fmt.Sprintf("ID %d, want %d", got.ID, want.ID)
	case got.DatastreamID != want.DatastreamID:
		return fmt.Sprintf("id %d: DatastreamID %d, want %d", want.ID, got.DatastreamID,
			want.DatastreamID)
	case !got.PhenomenonTime.Equal(want.PhenomenonTime):
		return fmt.Sprintf("id %d: PhenomenonTime %v, want %v", want.ID, got.PhenomenonTime,
			want.PhenomenonTime)
	case !got.ResultTime.Equal(want.ResultTime):
		return fmt.Sprintf("id %d: ResultTime %v, want %v", want.ID, got.ResultTime,
			want.ResultTime)
	case !sameValue(got.Result, want.Result):
		return fmt.Sprintf("id %d: Result %#v, want %#v", want.ID, got.Result, want.Result)
	}
	return ""
}

// wantObs fails the test unless got equals want element by element.
func wantObs(t *testing.T, what string, got, want []model.Observation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d observations (%s), want %d (%s)", what, len(got), ids(got),
			len(want), ids(want))
	}
	for i := range got {
		if d := diffObs(got[i], want[i]); d != "" {
			t.Fatalf("%s: row %d: %s", what, i, d)
		}
	}
}

// ids lists the IDs of obs, shortened when long, for failure messages.
func ids(obs []model.Observation) string {
	var s []uint64
	for i, o := range obs {
		if i == 12 {
			return fmt.Sprint(s) + "..."
		}
		s = append(s, o.ID)
	}
	return fmt.Sprint(s)
}

// cursorOf returns the keyset cursor positioned at o.
func cursorOf(o model.Observation) *store.Cursor {
	return &store.Cursor{Time: o.PhenomenonTime, ID: o.ID}
}
