package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

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

// bounds returns the iterator bounds of one Datastream's series between from and to, zero
// times open; empty is true when no key can be in range.
func bounds(ds int64, from, to time.Time) (lower, upper []byte, empty bool) {
	p := obsPrefix(ds)
	lower, upper = p, successor(p)
	if (!from.IsZero() && from.After(maxTime)) || (!to.IsZero() && to.Before(minTime)) {
		return nil, nil, true
	}
	if !from.IsZero() && from.After(minTime) {
		lower = obsKey(nil, ds, from.UnixNano(), 0)
	}
	if !to.IsZero() && !to.After(maxTime) {
		upper = obsKey(nil, ds, to.UnixNano(), 0)
	}
	return lower, upper, !from.IsZero() && !to.IsZero() && !from.Before(to)
}

// cursorKey returns the series key of a cursor, clamped to the times keys can hold.
func cursorKey(ds int64, c *store.Cursor) []byte {
	switch {
	case c.Time.Before(minTime):
		return obsKey(nil, ds, math.MinInt64, 0)
	case c.Time.After(maxTime):
		return obsKey(nil, ds, math.MaxInt64, math.MaxUint64)
	}
	return obsKey(nil, ds, c.Time.UnixNano(), c.ID)
}

// Range returns Observations of one Datastream by phenomenonTime: one bounded iterator,
// positioned by a seek to the cursor for keyset paging, so that the cost of a page does not
// depend on how deep in the series it is.
func (s *Store) Range(ctx context.Context, q store.RangeQuery) ([]model.Observation, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	lower, upper, empty := bounds(q.DatastreamID, q.From, q.To)
	if empty {
		return nil, nil
	}
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower,
		UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("pebblestore: range: %w", err)
	}
	defer it.Close()

	var ok bool
	switch {
	case q.After == nil && q.Desc:
		ok = it.Last()
	case q.After == nil:
		ok = it.First()
	case q.Desc:
		ok = it.SeekLT(cursorKey(q.DatastreamID, q.After))
	default:
		// A zero byte appended is the first key after the cursor's: keys have a fixed length.
		ok = it.SeekGE(append(cursorKey(q.DatastreamID, q.After), 0))
	}
	next := it.Next
	if q.Desc {
		next = it.Prev
	}
	out, err := collect(ctx, it, ok, next, q.Limit, decodeObs)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: range of %d: %w", q.DatastreamID, err)
	}
	return out, nil
}

// collect decodes rows from a positioned iterator until limit (0: none) or its end.
func collect(ctx context.Context, it *pebble.Iterator, ok bool, next func() bool, limit int,
	decode func(k, v []byte) (model.Observation, error)) ([]model.Observation, error) {
	var out []model.Observation
	if limit > 0 {
		out = make([]model.Observation, 0, min(limit, 1024))
	}
	for ; ok && (limit <= 0 || len(out) < limit); ok = next() {
		if len(out)%ctxEvery == ctxEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		o, err := decode(it.Key(), it.Value())
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, it.Error()
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
