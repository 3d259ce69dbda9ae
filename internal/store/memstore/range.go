package memstore

import (
	"context"
	"time"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// window returns the half-open index range of ser whose phenomenonTime is in [from, to);
// zero bounds are open.
func window(ser []model.Observation, from, to time.Time) (lo, hi int) {
	hi = len(ser)
	if !from.IsZero() {
		lo = search(ser, func(o model.Observation) bool { return !o.PhenomenonTime.Before(from) })
	}
	if !to.IsZero() {
		hi = search(ser, func(o model.Observation) bool { return !o.PhenomenonTime.Before(to) })
	}
	return lo, max(lo, hi)
}

// search returns the first index of ser for which f is true; f must be monotonic.
func search(ser []model.Observation, f func(model.Observation) bool) int {
	lo, hi := 0, len(ser)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if f(ser[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// Range returns Observations of one Datastream by phenomenonTime, with keyset paging.
func (s *Store) Range(ctx context.Context, q store.RangeQuery) ([]model.Observation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	ser := s.series[q.DatastreamID]
	lo, hi := window(ser, q.From, q.To)
	if c := q.After; c != nil {
		// Keyset paging: keep only positions strictly after (ascending) or before the cursor.
		if q.Desc {
			hi = min(hi, search(ser, func(o model.Observation) bool {
				return comparePos(o, c.Time, c.ID) >= 0
			}))
		} else {
			lo = max(lo, search(ser, func(o model.Observation) bool {
				return comparePos(o, c.Time, c.ID) > 0
			}))
		}
	}
	n := max(0, hi-lo)
	if q.Limit > 0 {
		n = min(n, q.Limit)
	}
	out := make([]model.Observation, n)
	for k := range out {
		if q.Desc {
			out[k] = ser[hi-1-k]
			continue
		}
		out[k] = ser[lo+k]
	}
	return out, nil
}

// Count returns how many Observations a Datastream, or every Datastream when datastreamID is
// 0, has in [from, to).
func (s *Store) Count(ctx context.Context, datastreamID int64, from, to time.Time) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, errClosed
	}
	if datastreamID != 0 {
		lo, hi := window(s.series[datastreamID], from, to)
		return int64(hi - lo), nil
	}
	var n int64
	for _, ser := range s.series {
		lo, hi := window(ser, from, to)
		n += int64(hi - lo)
	}
	return n, nil
}
