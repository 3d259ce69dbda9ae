package stream

import (
	"sort"

	"github.com/vindel-hub/vindel/internal/model"
)

// ring keeps the most recently published Observations for resume. Its invariant: every
// Observation published with an offset above floor is in the ring, so a resume after an
// offset at or above floor needs no store.
type ring struct {
	buf   []model.Observation
	start int // index of the oldest entry
	n     int // entries held
	floor uint64
}

// newRing returns a ring of the given capacity whose floor is the hub's starting head.
func newRing(size int, head uint64) ring {
	return ring{buf: make([]model.Observation, size), floor: head}
}

// push appends o, evicting the oldest entry when the ring is full.
func (r *ring) push(o model.Observation) {
	if len(r.buf) == 0 {
		r.floor = o.ID
		return
	}
	if r.n == len(r.buf) {
		r.floor = r.buf[r.start].ID
		r.buf[r.start] = o
		r.start = (r.start + 1) % len(r.buf)
		return
	}
	r.buf[(r.start+r.n)%len(r.buf)] = o
	r.n++
}

// at returns the i-th oldest entry.
func (r *ring) at(i int) *model.Observation {
	return &r.buf[(r.start+i)%len(r.buf)]
}

// after returns a copy of the entries with an offset above id, oldest first.
func (r *ring) after(id uint64) []model.Observation {
	i := sort.Search(r.n, func(i int) bool { return r.at(i).ID > id })
	if i == r.n {
		return nil
	}
	out := make([]model.Observation, 0, r.n-i)
	for ; i < r.n; i++ {
		out = append(out, *r.at(i))
	}
	return out
}
