package sensorthings

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// fakeStore is a store.Store over a slice sorted by ID, written for these tests only: the
// real stores are being written in parallel and get their own shared suite (storetest).
// It follows the store.Store contract as store.go documents it — Range ordered by
// (phenomenonTime, ID), After exclusive in the direction of reading, Scan by ID — and
// counts calls and rows so tests can check what a request costs. To run these tests on
// the real in-memory store, change newTestStore to return memstore.New() wrapped in the
// same counting layer.
type fakeStore struct {
	mu    sync.Mutex
	obs   []model.Observation           // sorted by ID
	byDS  map[int64][]model.Observation // per Datastream, sorted by (phenomenonTime, ID)
	calls map[string]int                // method name → calls
	rows  map[string]int                // method name → Observations returned
	last  store.RangeQuery              // the last Range query
}

func newTestStore(obs []model.Observation) *fakeStore {
	s := &fakeStore{calls: map[string]int{}, rows: map[string]int{}}
	_ = s.Append(context.Background(), obs)
	return s
}

func (s *fakeStore) note(method string, rows int) {
	s.calls[method]++
	s.rows[method] += rows
}

// resetCounts clears the call and row counters.
func (s *fakeStore) resetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.rows = map[string]int{}, map[string]int{}
}

func (s *fakeStore) count(method string) (calls, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method], s.rows[method]
}

func (s *fakeStore) Append(_ context.Context, obs []model.Observation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.obs = append(s.obs, obs...)
	slices.SortFunc(s.obs, func(a, b model.Observation) int { return cmpUint(a.ID, b.ID) })
	s.byDS = map[int64][]model.Observation{}
	for _, o := range s.obs {
		s.byDS[o.DatastreamID] = append(s.byDS[o.DatastreamID], o)
	}
	for _, list := range s.byDS {
		slices.SortFunc(list, byTime)
	}
	return nil
}

func (s *fakeStore) Flush(context.Context) error { return nil }

func (s *fakeStore) Get(_ context.Context, id uint64) (model.Observation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("Get", 0)
	i, ok := slices.BinarySearchFunc(s.obs, id, func(o model.Observation, id uint64) int {
		return cmpUint(o.ID, id)
	})
	if !ok {
		return model.Observation{}, store.ErrNotFound
	}
	return s.obs[i], nil
}

// byTime orders Observations by (phenomenonTime, ID).
func byTime(a, b model.Observation) int {
	if c := a.PhenomenonTime.Compare(b.PhenomenonTime); c != 0 {
		return c
	}
	return cmpUint(a.ID, b.ID)
}

func (s *fakeStore) Range(_ context.Context, q store.RangeQuery) ([]model.Observation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = q
	list := s.byDS[q.DatastreamID]
	// [lo, hi) is the part of list within From, To and After.
	search := func(t time.Time, id uint64) int {
		i, _ := slices.BinarySearchFunc(list, model.Observation{PhenomenonTime: t, ID: id}, byTime)
		return i
	}
	lo, hi := 0, len(list)
	if !q.From.IsZero() {
		lo = search(q.From, 0)
	}
	if !q.To.IsZero() {
		hi = search(q.To, 0)
	}
	if q.After != nil && !q.Desc {
		lo = max(lo, search(q.After.Time, q.After.ID+1))
	}
	if q.After != nil && q.Desc {
		hi = min(hi, search(q.After.Time, q.After.ID))
	}
	var out []model.Observation
	for i := range max(0, hi-lo) {
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
		j := lo + i
		if q.Desc {
			j = hi - 1 - i
		}
		out = append(out, list[j])
	}
	s.note("Range", len(out))
	return out, nil
}

func inRange(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
}

func (s *fakeStore) Scan(_ context.Context, q store.ScanQuery) ([]model.Observation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Observation
	for _, o := range s.obs {
		if !q.Desc && o.ID > q.AfterID || q.Desc && o.ID < q.AfterID {
			out = append(out, o)
		}
	}
	if q.Desc {
		slices.Reverse(out)
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	s.note("Scan", len(out))
	return out, nil
}

func (s *fakeStore) Count(_ context.Context, ds int64, from, to time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("Count", 0)
	var n int64
	for _, o := range s.obs {
		if (ds == 0 || o.DatastreamID == ds) && inRange(o.PhenomenonTime, from, to) {
			n++
		}
	}
	return n, nil
}

func (s *fakeStore) Latest(context.Context) (map[int64]model.Observation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("Latest", 0)
	out := map[int64]model.Observation{}
	for _, o := range s.obs {
		if have, ok := out[o.DatastreamID]; !ok || byTime(o, have) > 0 {
			out[o.DatastreamID] = o
		}
	}
	return out, nil
}

func (s *fakeStore) LastID(context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.obs) == 0 {
		return 0, nil
	}
	return s.obs[len(s.obs)-1].ID, nil
}

func (s *fakeStore) Close() error { return nil }

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
