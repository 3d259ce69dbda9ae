package pebblestore

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/pebble"
)

// The newest Observations of each Datastream wait in its head, in memory, until there are
// maxChunk of them or the oldest of them is Options.HeadSpan IDs behind the newest ID;
// then the head is sealed: written into the Datastream's chunks in the commit that stores
// the next Observations. The head needs no log of its own, because every Observation is in
// the by-ID index from its first commit: open rebuilds the heads from the blocks after the
// lowest ID a head held (headFromKey), taking each Observation whose ID is above its
// Datastream's sealed mark (an 'e' key: every Observation of the Datastream up to that ID
// is in its chunks, every one above it in its head). The mark also counts the Observations
// in the chunks, so a Datastream's count is its mark's plus its head's, and a commit that
// seals nothing writes no count.
//
// Readers copy what they need of a head under the state lock, and create their chunk
// iterator under the same lock. The writer commits a seal and then, under the lock,
// empties the head, so a reader may see an entry both in a chunk and in the head, never in
// neither; it merges the two and takes such an entry once.

// headFromKey holds the lowest ID any head holds, 0 when every head is empty.
var headFromKey = []byte{prefixMeta, 'h', 'e', 'a', 'd'}

// head is one Datastream's Observations not yet in a chunk, sorted by point. Their records
// share one buffer, so a head holds no pointer per Observation for the garbage collector.
type head struct {
	es    []headEntry
	recs  []byte
	minID uint64
}

// headEntry is an entry of a head; its record is recs[off:end].
type headEntry struct {
	point
	off, end uint32
}

// newHead returns an empty head with room for a chunk of entries like first's, so that it
// does not grow step by step.
func newHead(first []chunkEntry) *head {
	n := 0
	for _, e := range first {
		n += len(e.rec)
	}
	return &head{es: make([]headEntry, 0, maxChunk),
		recs: make([]byte, 0, maxChunk*n/max(len(first), 1))}
}

// add inserts es, sorted by point, copying their records.
func (h *head) add(es []chunkEntry) {
	appended := len(h.es) == 0 || h.es[len(h.es)-1].compare(es[0].point) < 0
	for _, e := range es {
		h.push(e)
	}
	if !appended {
		h.sort()
	}
}

// push appends e, copying its record, without keeping the head sorted.
func (h *head) push(e chunkEntry) {
	off := uint32(len(h.recs))
	h.recs = append(h.recs, e.rec...)
	h.es = append(h.es, headEntry{point: e.point, off: off, end: uint32(len(h.recs))})
	if h.minID == 0 || e.id < h.minID {
		h.minID = e.id
	}
}

// sort sorts the head's entries by point.
func (h *head) sort() {
	slices.SortFunc(h.es, func(a, b headEntry) int { return a.compare(b.point) })
}

// entries appends the head's entries within [lo, up) (up only when hasUp) to dst; their
// records point into the head's buffer, which is only ever appended to.
func (h *head) entries(dst []chunkEntry, lo point, up point, hasUp bool) []chunkEntry {
	if h == nil {
		return dst
	}
	i, _ := slices.BinarySearchFunc(h.es, lo, func(e headEntry, p point) int {
		return e.compare(p)
	})
	for _, e := range h.es[i:] {
		if hasUp && e.compare(up) >= 0 {
			break
		}
		dst = append(dst, chunkEntry{point: e.point, rec: h.recs[e.off:e.end:e.end]})
	}
	return dst
}

// all returns every entry of the head, as entries that point into it, with room for extra
// more.
func (h *head) all(extra int) []chunkEntry {
	return h.entries(make([]chunkEntry, 0, h.size()+extra), point{pt: math.MinInt64}, point{},
		false)
}

// headAge is an entry of the writer's queue of heads by their lowest ID: it names the head
// that held ds when its lowest ID was minID, and is stale once the head is sealed or gets
// a lower ID.
type headAge struct {
	ds    int64
	minID uint64
}

// mark is a Datastream's sealed mark: every Observation of it up to ID id is in its
// chunks, n of them, and every one above id in its head.
type mark struct {
	id uint64
	n  int64
}

// sealMarkKey returns the key of a Datastream's sealed mark.
func sealMarkKey(ds int64) []byte {
	k := make([]byte, 9)
	k[0] = prefixSealed
	putInt64(k[1:], ds)
	return k
}

// sealMarkValue encodes a sealed mark.
func sealMarkValue(m mark) []byte {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 16), m.id)
	return binary.BigEndian.AppendUint64(v, uint64(m.n))
}

// loadSealMarks reads the 'e' keys.
func (s *Store) loadSealMarks() (map[int64]mark, error) {
	it, err := s.db.NewIter(prefixBounds(prefixSealed))
	if err != nil {
		return nil, fmt.Errorf("sealed mark iterator: %w", err)
	}
	defer it.Close()
	marks := map[int64]mark{}
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 9 || len(v) != 16 || int64(binary.BigEndian.Uint64(v[8:])) < 0 {
			return nil, fmt.Errorf("sealed mark key %x: %w", k, errCorrupt)
		}
		marks[getInt64(k[1:])] = mark{id: binary.BigEndian.Uint64(v),
			n: int64(binary.BigEndian.Uint64(v[8:]))}
	}
	return marks, it.Error()
}

// loadHeads rebuilds the heads from the by-ID blocks after headFromKey: every Observation
// whose ID is above its Datastream's sealed mark.
func (s *Store) loadHeads(marks map[int64]mark) (map[int64]*head, error) {
	from, err := s.headFrom()
	if err != nil || from == 0 {
		return map[int64]*head{}, err
	}
	it, err := s.db.NewIter(blockBounds())
	if err != nil {
		return nil, err
	}
	defer it.Close()
	ok := blockFor(it, from)
	if !ok && it.Error() == nil {
		ok = it.First()
	}
	heads := map[int64]*head{}
	var derr error
	for ; ok; ok = it.Next() {
		err := eachEntry(it.Key(), it.Value(), func(e idEntry) bool {
			if e.id < from {
				return true
			}
			if len(e.rec) < 16 {
				derr = fmt.Errorf("observation %d: short record: %w", e.id, errCorrupt)
				return false
			}
			ds := getInt64(e.rec)
			if e.id <= marks[ds].id {
				return true
			}
			h := heads[ds]
			if h == nil {
				h = &head{}
				heads[ds] = h
			}
			h.push(chunkEntry{point: point{getInt64(e.rec[8:]), e.id}, rec: e.rec[16:]})
			return true
		})
		if err = errors.Join(err, derr); err != nil {
			return nil, fmt.Errorf("rebuild heads after %d: %w", from, err)
		}
	}
	for _, h := range heads {
		h.sort()
	}
	return heads, it.Error()
}

// headFrom reads headFromKey, 0 when it is missing.
func (s *Store) headFrom() (uint64, error) {
	v, closer, err := s.db.Get(headFromKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read head start: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("head start %x: %w", v, errCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

// agesOf returns the queue of heads by lowest ID.
func agesOf(heads map[int64]*head) []headAge {
	ages := make([]headAge, 0, len(heads))
	for ds, h := range heads {
		ages = append(ages, headAge{ds: ds, minID: h.minID})
	}
	slices.SortFunc(ages, func(a, b headAge) int { return cmp.Compare(a.minID, b.minID) })
	return ages
}

// headLen returns how many Observations the heads hold.
func (s *Store) headLen() int {
	s.state.mu.RLock()
	defer s.state.mu.RUnlock()
	n := 0
	for _, h := range s.state.heads {
		n += len(h.es)
	}
	return n
}

// size returns how many entries the head holds; a nil head holds none.
func (h *head) size() int {
	if h == nil {
		return 0
	}
	return len(h.es)
}
