package sensorthings

import (
	"context"
	"sync"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
	"github.com/vindel-hub/vindel/internal/store/memstore"
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

// newTestStore returns the store the tests run on: the in-memory store, which passes the
// shared storetest suite, holding obs.
func newTestStore(obs []model.Observation) *countingStore {
	base := memstore.New()
	ctx := context.Background()
	if err := base.Append(ctx, obs); err != nil {
		panic(err)
	}
	if err := base.Flush(ctx); err != nil {
		panic(err)
	}
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
