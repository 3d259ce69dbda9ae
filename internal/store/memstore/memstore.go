// Package memstore is an in-memory store.Store and store.Archive for unit tests and pipeline
// benchmarks. It keeps nothing across a restart; it passes the shared storetest suite.
package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// errClosed is returned by every call after Close.
var errClosed = errors.New("memstore: closed")

// Store is an in-memory store. Appended Observations are readable at once; Flush has
// nothing to wait for. It is safe for concurrent use.
type Store struct {
	mu     sync.RWMutex
	closed bool
	byID   map[uint64]model.Observation
	ids    []uint64                      // sorted ascending
	series map[int64][]model.Observation // each sorted by (phenomenonTime, ID)
	latest map[int64]model.Observation
	raws   []store.RawUplink // raws[i].Seq == i+1
	byDev  map[string][]int  // indexes into raws, ascending
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		byID:   map[uint64]model.Observation{},
		series: map[int64][]model.Observation{},
		latest: map[int64]model.Observation{},
		byDev:  map[string][]int{},
	}
}

// Append stores obs. An Observation whose ID is stored already is ignored.
func (s *Store) Append(ctx context.Context, obs []model.Observation) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: append: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	for _, o := range obs {
		if _, ok := s.byID[o.ID]; ok {
			continue
		}
		o.PhenomenonTime, o.ResultTime = o.PhenomenonTime.UTC(), o.ResultTime.UTC()
		s.insert(o)
	}
	return nil
}

// insert adds o to the ID index, its series and the latest map.
func (s *Store) insert(o model.Observation) {
	s.byID[o.ID] = o
	if n := len(s.ids); n == 0 || s.ids[n-1] < o.ID {
		s.ids = append(s.ids, o.ID)
	} else {
		i, _ := slices.BinarySearch(s.ids, o.ID)
		s.ids = slices.Insert(s.ids, i, o.ID)
	}

	ser := s.series[o.DatastreamID]
	i := sort.Search(len(ser), func(i int) bool {
		return comparePos(ser[i], o.PhenomenonTime, o.ID) > 0
	})
	s.series[o.DatastreamID] = slices.Insert(ser, i, o)

	if l, ok := s.latest[o.DatastreamID]; !ok || comparePos(o, l.PhenomenonTime, l.ID) > 0 {
		s.latest[o.DatastreamID] = o
	}
}

// comparePos orders o against the series position (t, id).
func comparePos(o model.Observation, t time.Time, id uint64) int {
	if c := o.PhenomenonTime.Compare(t); c != 0 {
		return c
	}
	return cmp.Compare(o.ID, id)
}

// Flush returns at once: everything appended is already readable.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed
	}
	return nil
}

// Get returns one Observation by ID.
func (s *Store) Get(ctx context.Context, id uint64) (model.Observation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return model.Observation{}, errClosed
	}
	o, ok := s.byID[id]
	if !ok {
		return model.Observation{}, fmt.Errorf("memstore: observation %d: %w", id,
			store.ErrNotFound)
	}
	return o, nil
}

// Scan returns Observations of every Datastream by ID.
func (s *Store) Scan(ctx context.Context, q store.ScanQuery) ([]model.Observation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	// lo..hi is the window of s.ids that the query may return.
	lo, hi := 0, len(s.ids)
	if q.AfterID != 0 {
		// The first index holding an ID above AfterID, and the first at or above it.
		above := sort.Search(len(s.ids), func(i int) bool { return s.ids[i] > q.AfterID })
		atOrAbove, _ := slices.BinarySearch(s.ids, q.AfterID)
		if q.Desc {
			hi = atOrAbove
		} else {
			lo = above
		}
	}
	n := hi - lo
	if q.Limit > 0 {
		n = min(n, q.Limit)
	}
	out := make([]model.Observation, n)
	for k := range out {
		if q.Desc {
			out[k] = s.byID[s.ids[hi-1-k]]
			continue
		}
		out[k] = s.byID[s.ids[lo+k]]
	}
	return out, nil
}

// LastID returns the highest Observation ID stored, or 0.
func (s *Store) LastID(ctx context.Context) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, errClosed
	}
	if len(s.ids) == 0 {
		return 0, nil
	}
	return s.ids[len(s.ids)-1], nil
}

// Latest returns a copy of the newest Observation of each Datastream.
func (s *Store) Latest(ctx context.Context) (map[int64]model.Observation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	out := make(map[int64]model.Observation, len(s.latest))
	for ds, o := range s.latest {
		out[ds] = o
	}
	return out, nil
}

// Close releases the Store; later calls return an error.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
