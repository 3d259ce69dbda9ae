package sensorthings

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// countingStore wraps the store under test, counting calls and rows so that tests can
// check what a request costs (store.Range calls per Datastream, rows per page).
type countingStore struct {
	store.Store
	mu    sync.Mutex
	calls map[string]int   // method name → calls
	rows  map[string]int   // method name → Observations returned
	last  store.RangeQuery // the last Range query
}

// newTestStore returns the store the tests run on. It is fakeStore, an in-test fake: the
// real stores are written in parallel and get their own shared suite (storetest). To run
// these tests on internal/store/memstore instead, build it here, Append obs and Flush.
func newTestStore(obs []model.Observation) *countingStore {
	base := &fakeStore{}
	_ = base.Append(context.Background(), obs)
	return &countingStore{Store: base, calls: map[string]int{}, rows: map[string]int{}}
}

func (s *countingStore) note(method string, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	s.rows[method] += rows
}

// resetCounts clears the call and row counters.
func (s *countingStore) resetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.rows = map[string]int{}, map[string]int{}
}

func (s *countingStore) count(method string) (calls, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method], s.rows[method]
}

func (s *countingStore) Get(ctx context.Context, id uint64) (model.Observation, error) {
	s.note("Get", 0)
	return s.Store.Get(ctx, id)
}

func (s *countingStore) Range(ctx context.Context, q store.RangeQuery) ([]model.Observation, error) {
	out, err := s.Store.Range(ctx, q)
	s.note("Range", len(out))
	s.mu.Lock()
	s.last = q
	s.mu.Unlock()
	return out, err
}

func (s *countingStore) Scan(ctx context.Context, q store.ScanQuery) ([]model.Observation, error) {
	out, err := s.Store.Scan(ctx, q)
	s.note("Scan", len(out))
	return out, err
}

func (s *countingStore) Count(ctx context.Context, ds int64, from, to time.Time) (int64, error) {
	s.note("Count", 0)
	return s.Store.Count(ctx, ds, from, to)
}

func (s *countingStore) Latest(ctx context.Context) (map[int64]model.Observation, error) {
	s.note("Latest", 0)
	return s.Store.Latest(ctx)
}

// fakeStore is a store.Store over a slice sorted by ID, written for these tests only, that
// follows the contract store.go documents: Range ordered by (phenomenonTime, ID) with
// After exclusive in the direction of reading, Scan by ID, Count over [from, to).
type fakeStore struct {
	mu   sync.Mutex
	obs  []model.Observation           // sorted by ID
	byDS map[int64][]model.Observation // per Datastream, sorted by (phenomenonTime, ID)
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
	return out, nil
}

func (s *fakeStore) Count(_ context.Context, ds int64, from, to time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
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
