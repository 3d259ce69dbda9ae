package sensorthings

import (
	"math"

	"github.com/vindel-hub/vindel/internal/model"
	"github.com/vindel-hub/vindel/internal/store"
)

// mergeSource reads the Observations of several Datastreams in (phenomenonTime, id)
// order, ascending or descending, by merging one store.Range per Datastream. Each stream
// keeps a buffer and is read again only when its buffer runs dry, so a single stream costs
// one Range call per batch and n streams cost n calls for the first batch.
type mergeSource struct {
	rq      *request
	q       store.RangeQuery // the bounds and direction shared by every stream
	streams []streamBuf
}

type streamBuf struct {
	id    int64
	buf   []model.Observation
	after *store.Cursor
	done  bool
}

func (rq *request) mergeSource(streams []int64, p *plan) *mergeSource {
	m := &mergeSource{rq: rq, q: store.RangeQuery{From: p.bounds.From, To: p.bounds.To,
		Desc: p.desc}}
	m.streams = make([]streamBuf, len(streams))
	for i, id := range streams {
		m.streams[i] = streamBuf{id: id}
	}
	return m
}

func (m *mergeSource) seek(c cursor) {
	for i := range m.streams {
		sc := c.storeCursor()
		m.streams[i].after = &sc
	}
}

func (m *mergeSource) next(n int) ([]model.Observation, bool, error) {
	out := make([]model.Observation, 0, n)
	for len(out) < n {
		if err := m.refill(n - len(out)); err != nil {
			return nil, false, err
		}
		best := -1
		for i := range m.streams {
			s := &m.streams[i]
			if len(s.buf) > 0 && (best < 0 || m.before(s.buf[0], m.streams[best].buf[0])) {
				best = i
			}
		}
		if best < 0 {
			return out, true, nil
		}
		s := &m.streams[best]
		out = append(out, s.buf[0])
		s.buf = s.buf[1:]
	}
	return out, m.exhausted(), nil
}

// refill reads the next batch of every stream whose buffer is empty.
func (m *mergeSource) refill(n int) error {
	for i := range m.streams {
		s := &m.streams[i]
		if len(s.buf) > 0 || s.done {
			continue
		}
		q := m.q
		q.DatastreamID, q.After, q.Limit = s.id, s.after, n
		got, err := m.rq.h.st.Range(m.rq.ctx, q)
		if err != nil {
			return storeError("range", err)
		}
		s.buf, s.done = got, len(got) < n
		if len(got) > 0 {
			last := got[len(got)-1]
			s.after = &store.Cursor{Time: last.PhenomenonTime, ID: last.ID}
		}
	}
	return nil
}

func (m *mergeSource) exhausted() bool {
	for _, s := range m.streams {
		if len(s.buf) > 0 || !s.done {
			return false
		}
	}
	return true
}

// before reports whether a comes first in the source's order.
func (m *mergeSource) before(a, b model.Observation) bool {
	less := a.PhenomenonTime.Before(b.PhenomenonTime) ||
		a.PhenomenonTime.Equal(b.PhenomenonTime) && a.ID < b.ID
	if m.q.Desc {
		return !less && a.ID != b.ID
	}
	return less
}

// scanSource reads every Observation by id with store.Scan and keeps those of public
// Datastreams: the store holds private devices' Observations too.
type scanSource struct {
	rq    *request
	desc  bool
	after uint64
}

func (rq *request) scanSource(desc bool) *scanSource {
	s := &scanSource{rq: rq, desc: desc}
	if desc {
		s.after = math.MaxUint64 // "before the largest id": from the newest
	}
	return s
}

func (s *scanSource) seek(c cursor) { s.after = c.id }

func (s *scanSource) next(n int) ([]model.Observation, bool, error) {
	got, err := s.rq.h.st.Scan(s.rq.ctx, store.ScanQuery{AfterID: s.after, Desc: s.desc, Limit: n})
	if err != nil {
		return nil, false, storeError("scan", err)
	}
	if len(got) > 0 {
		s.after = got[len(got)-1].ID
	}
	kept := make([]model.Observation, 0, len(got)) // got may be the store's own memory
	for _, o := range got {
		if _, ok := s.rq.snap.Datastream(o.DatastreamID); ok {
			kept = append(kept, o)
		}
	}
	return kept, len(got) < n, nil
}
