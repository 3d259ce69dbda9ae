package pebblestore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
)

// Count returns how many Observations a Datastream, or every Datastream when datastreamID is
// 0, has in [from, to). Without bounds it is the in-memory count; with bounds it counts the
// entries of one bounded walk per Datastream.
func (s *Store) Count(ctx context.Context, datastreamID int64, from, to time.Time) (int64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	unbounded := from.IsZero() && to.IsZero()

	s.state.mu.RLock()
	var n int64
	var ids []int64
	switch {
	case datastreamID != 0 && unbounded:
		n = s.state.counts[datastreamID]
	case unbounded:
		for _, c := range s.state.counts {
			n += c
		}
	case datastreamID != 0:
		ids = []int64{datastreamID}
	default:
		ids = slices.Collect(maps.Keys(s.state.counts))
	}
	s.state.mu.RUnlock()

	for _, ds := range ids {
		c, err := s.countRange(ctx, ds, from, to)
		if err != nil {
			return 0, fmt.Errorf("pebblestore: count %d: %w", ds, err)
		}
		n += c
	}
	return n, nil
}

// countRange counts the entries of one Datastream's series in [from, to).
func (s *Store) countRange(ctx context.Context, ds int64, from, to time.Time) (int64, error) {
	sp, ok := timeSpan(ds, from, to)
	if !ok {
		return 0, nil
	}
	w, err := s.walk(ctx, sp, false)
	if err != nil {
		return 0, err
	}
	defer w.Close()
	var n int64
	for _, ok := w.next(); ok; _, ok = w.next() {
		n++
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
	}
	return n, w.Err()
}

// Latest returns a copy of the in-memory newest Observation of each Datastream: O(number of
// Datastreams), no disk reads.
func (s *Store) Latest(ctx context.Context) (map[int64]model.Observation, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	s.state.mu.RLock()
	defer s.state.mu.RUnlock()
	return maps.Clone(s.state.latest), nil
}

// LastID returns the highest Observation ID committed, or 0.
func (s *Store) LastID(ctx context.Context) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	s.state.mu.RLock()
	defer s.state.mu.RUnlock()
	return s.state.lastID, nil
}
