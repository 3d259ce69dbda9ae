package pebblestore

import (
	"context"
	"math"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/store"
)

// span is a part of one Datastream's series: the points at or after lo and, when hasUp,
// before up.
type span struct {
	ds    int64
	lo    point
	up    point
	hasUp bool
}

// spanOf returns the part of q's series that a page may come from, and false when it is
// empty. An ascending page starts after the cursor; a descending one ends before it.
func spanOf(q store.RangeQuery) (span, bool) {
	sp := span{ds: q.DatastreamID, lo: point{pt: math.MinInt64}}
	if !q.From.IsZero() {
		if q.From.After(maxTime) {
			return sp, false
		}
		if q.From.After(minTime) {
			sp.lo = point{pt: q.From.UnixNano()}
		}
	}
	if !q.To.IsZero() {
		if !q.To.After(minTime) {
			return sp, false
		}
		if !q.To.After(maxTime) {
			sp.up, sp.hasUp = point{pt: q.To.UnixNano()}, true
		}
	}
	if c := q.After; c != nil {
		// A cursor beyond the times a point can hold bounds nothing on its own side and
		// leaves nothing on the other.
		switch {
		case c.Time.After(maxTime) && q.Desc, c.Time.Before(minTime) && !q.Desc:
			return sp, !sp.hasUp || sp.lo.compare(sp.up) < 0
		case c.Time.After(maxTime), c.Time.Before(minTime):
			return sp, false
		}
		at := point{c.Time.UnixNano(), c.ID}
		if q.Desc {
			if !sp.hasUp || at.compare(sp.up) < 0 {
				sp.up, sp.hasUp = at, true
			}
		} else {
			after, ok := at.next()
			if !ok {
				return sp, false
			}
			if after.compare(sp.lo) > 0 {
				sp.lo = after
			}
		}
	}
	return sp, !sp.hasUp || sp.lo.compare(sp.up) < 0
}

// timeSpan is the span of a Datastream between two times, zero times open.
func timeSpan(ds int64, from, to time.Time) (span, bool) {
	return spanOf(store.RangeQuery{DatastreamID: ds, From: from, To: to})
}

// seriesWalk reads one span of a series in order, forwards or backwards, merging the
// Datastream's chunks with the copy of its head taken when the walk began; an entry in
// both (sealed while the walk began) comes once.
type seriesWalk struct {
	sp   span
	desc bool
	it   *pebble.Iterator

	chunk []chunkEntry // the current chunk's entries in span, ascending; into it.Value()
	ci    int          // the next of chunk to take, counting from the walk's end
	more  bool         // there may be a chunk at it, or after it once moved, in span
	moved bool         // chunk was read from it; move it before reading the next
	head  []chunkEntry // the head's entries in span, ascending
	hi    int          // the next of head to take, counting from the walk's end
	err   error
}

// walk starts a walk of sp. The iterator and the copy of the head are taken under the
// state lock, so that no entry sealed in between is missed; Close releases the walk.
func (s *Store) walk(ctx context.Context, sp span, desc bool) (*seriesWalk, error) {
	w := &seriesWalk{sp: sp, desc: desc}
	s.state.mu.RLock()
	it, err := s.db.NewIterWithContext(ctx, chunkBounds(sp.ds))
	if err == nil {
		w.head = s.state.heads[sp.ds].entries(nil, sp.lo, sp.up, sp.hasUp)
	}
	s.state.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	w.it = it
	if desc {
		if sp.hasUp {
			w.more = it.SeekLT(chunkKey(nil, sp.ds, sp.up))
		} else {
			w.more = it.Last()
		}
	} else {
		// A zero byte appended makes the seek land on a chunk that starts at lo itself.
		if w.more = it.SeekLT(append(chunkKey(nil, sp.ds, sp.lo), 0)); !w.more {
			w.more = it.First()
		}
	}
	return w, nil
}

// next returns the walk's next entry; its record is valid until the next call. It reports
// false at the end of the span or on an error, which Err then returns.
func (w *seriesWalk) next() (chunkEntry, bool) {
	c, cok := w.peekChunk()
	var h chunkEntry
	hok := w.hi < len(w.head)
	if hok {
		h = w.head[w.at(w.hi, len(w.head))]
	}
	switch {
	case !cok && !hok:
		return chunkEntry{}, false
	case !hok:
		w.ci++
		return c, true
	case !cok:
		w.hi++
		return h, true
	}
	d := c.compare(h.point)
	if w.desc {
		d = -d
	}
	switch {
	case d < 0:
		w.ci++
		return c, true
	case d > 0:
		w.hi++
		return h, true
	}
	w.ci++
	w.hi++
	return c, true
}

// at maps the i-th entry in the walk's direction to an index of an ascending slice of n.
func (w *seriesWalk) at(i, n int) int {
	if w.desc {
		return n - 1 - i
	}
	return i
}

// peekChunk returns the next chunk entry in span, reading the next chunk when the current
// one is used up. The iterator moves only then: the entries point into its value.
func (w *seriesWalk) peekChunk() (chunkEntry, bool) {
	for w.ci >= len(w.chunk) {
		if w.err != nil {
			return chunkEntry{}, false
		}
		if w.moved {
			w.moved = false
			if w.desc {
				w.more = w.more && w.it.Prev()
			} else {
				w.more = w.more && w.it.Next()
			}
		}
		if !w.more {
			w.err = w.it.Error()
			return chunkEntry{}, false
		}
		w.chunk, w.ci, w.moved = w.chunk[:0], 0, true
		w.err = eachChunkEntry(w.it.Key(), w.it.Value(), func(e chunkEntry) bool {
			switch {
			case e.compare(w.sp.lo) < 0:
				// Before the span: a descending walk needs no earlier chunk.
				w.more = w.more && !w.desc
				return true
			case w.sp.hasUp && e.compare(w.sp.up) >= 0:
				// After it: nor an ascending one a later chunk.
				w.more = w.more && w.desc
				return false
			}
			w.chunk = append(w.chunk, e)
			return true
		})
	}
	return w.chunk[w.at(w.ci, len(w.chunk))], true
}

// Err returns the error that ended the walk, if any.
func (w *seriesWalk) Err() error { return w.err }

// Close releases the walk's iterator.
func (w *seriesWalk) Close() error { return w.it.Close() }
