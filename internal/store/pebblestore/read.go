package pebblestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// ctxEvery is how many rows a long read goes between looks at its context.
const ctxEvery = 4096

// Get returns one Observation by ID: one seek in the by-ID index and a search of the block
// it lands on.
func (s *Store) Get(ctx context.Context, id uint64) (model.Observation, error) {
	if err := s.enter(); err != nil {
		return model.Observation{}, err
	}
	defer s.life.RUnlock()
	rec, ok, err := s.lookup(id)
	if err != nil {
		return model.Observation{}, fmt.Errorf("pebblestore: get %d: %w", id, err)
	}
	if !ok {
		return model.Observation{}, fmt.Errorf("pebblestore: observation %d: %w", id,
			store.ErrNotFound)
	}
	o, err := decodeIDRecord(id, rec)
	if err != nil {
		return model.Observation{}, fmt.Errorf("pebblestore: get: %w", err)
	}
	return o, nil
}

// Range returns Observations of one Datastream by phenomenonTime: a walk of its chunks
// and head from a seek to the cursor (keyset paging), so that the cost of a page does not
// depend on how deep in the series it is.
func (s *Store) Range(ctx context.Context, q store.RangeQuery) ([]model.Observation, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	sp, ok := spanOf(q)
	if !ok {
		return nil, nil
	}
	w, err := s.walk(ctx, sp, q.Desc)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: range: %w", err)
	}
	defer w.Close()
	var out []model.Observation
	if q.Limit > 0 {
		out = make([]model.Observation, 0, min(q.Limit, 1024))
	}
	for q.Limit <= 0 || len(out) < q.Limit {
		e, ok := w.next()
		if !ok {
			break
		}
		if len(out)%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("pebblestore: range of %d: %w", q.DatastreamID, err)
			}
		}
		o, err := decodeEntry(q.DatastreamID, e)
		if err != nil {
			return nil, fmt.Errorf("pebblestore: range of %d: %w", q.DatastreamID, err)
		}
		out = append(out, o)
	}
	if err := w.Err(); err != nil {
		return nil, fmt.Errorf("pebblestore: range of %d: %w", q.DatastreamID, err)
	}
	return out, nil
}

// Scan returns Observations of every Datastream in ID order from the by-ID index.
func (s *Store) Scan(ctx context.Context, q store.ScanQuery) ([]model.Observation, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	it, err := s.db.NewIterWithContext(ctx, blockBounds())
	if err != nil {
		return nil, fmt.Errorf("pebblestore: scan: %w", err)
	}
	defer it.Close()
	out, err := scanBlocks(ctx, it, q)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: scan: %w", err)
	}
	return out, nil
}

// scanBlocks walks the blocks from the one that holds q's starting point, forwards or
// backwards, keeping the entries past AfterID until Limit.
func scanBlocks(ctx context.Context, it *pebble.Iterator, q store.ScanQuery) ([]model.Observation,
	error) {
	if !q.Desc && q.AfterID == ^uint64(0) {
		return nil, nil
	}
	var ok bool
	switch {
	case q.AfterID == 0 && q.Desc:
		ok = it.Last()
	case q.AfterID == 0:
		ok = it.First()
	case q.Desc:
		ok = blockFor(it, q.AfterID-1)
	default:
		if ok = blockFor(it, q.AfterID+1); !ok && it.Error() == nil {
			ok = it.First() // AfterID+1 is below every block
		}
	}
	next := it.Next
	if q.Desc {
		next = it.Prev
	}
	var out []model.Observation
	var es []idEntry // a descending scan's block, reused
	full := func() bool { return q.Limit > 0 && len(out) >= q.Limit }
	var derr error
	take := func(e idEntry) bool {
		if q.AfterID != 0 && (q.Desc && e.id >= q.AfterID || !q.Desc && e.id <= q.AfterID) {
			return true
		}
		var o model.Observation
		if o, derr = decodeIDRecord(e.id, e.rec); derr != nil {
			return false
		}
		out = append(out, o)
		return !full()
	}
	for ; ok && !full(); ok = next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if !q.Desc {
			err = eachEntry(it.Key(), it.Value(), take)
		} else if es, err = appendEntries(es[:0], it.Key(), it.Value()); err == nil {
			for j := len(es) - 1; j >= 0 && take(es[j]); j-- {
			}
		}
		if err = errors.Join(err, derr); err != nil {
			return nil, err
		}
	}
	return out, it.Error()
}
