package pebblestore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/model"
)

// errStaleCount says a sealed mark counts Observations of a Datastream that has none.
var errStaleCount = errors.New("counted but has no observations")

// state is what the store keeps in memory so that Count, Latest and LastID do not read the
// disk. The writer changes it after each commit; readers copy out of it.
type state struct {
	mu     sync.RWMutex
	counts map[int64]int64
	latest map[int64]model.Observation
	lastID uint64
	heads  map[int64]*head // the Observations not yet in chunks (head.go)
}

// load fills the in-memory state and the archive's last sequence number from the database,
// recounting the chunks when the layout version was missing or Options.Verify is set. It
// returns the sealed marks, which only the writer uses.
func (s *Store) load() (map[int64]mark, error) {
	rebuild, err := s.checkVersion()
	if err != nil {
		return nil, err
	}
	marks, err := s.loadSealMarks()
	if err != nil {
		return nil, err
	}
	if rebuild || s.opt.Verify {
		if err := s.recount(marks); err != nil {
			return nil, err
		}
	}
	heads, err := s.loadHeads(marks)
	if err != nil {
		return nil, err
	}
	latest, err := s.loadLatest(countsOf(marks, heads), heads)
	if errors.Is(err, errStaleCount) {
		s.log.Error("a sealed mark counts Observations that are not there; recounting",
			"err", err)
		if err := s.recount(marks); err != nil {
			return nil, err
		}
		latest, err = s.loadLatest(countsOf(marks, heads), heads)
	}
	if err != nil {
		return nil, err
	}
	s.state = state{counts: countsOf(marks, heads), latest: latest, heads: heads}
	if s.state.lastID, err = s.lastIDInBlocks(); err != nil {
		return nil, err
	}
	return marks, s.loadArchive()
}

// countsOf returns the count of every Datastream: what its mark says its chunks hold and
// what its head holds.
func countsOf(marks map[int64]mark, heads map[int64]*head) map[int64]int64 {
	counts := make(map[int64]int64, len(marks))
	for ds, m := range marks {
		if m.n > 0 {
			counts[ds] = m.n
		}
	}
	for ds, h := range heads {
		if h.size() > 0 {
			counts[ds] += int64(h.size())
		}
	}
	return counts
}

// checkVersion upgrades a store written in an older layout and reports whether the counts
// must be rebuilt: a store without a version may hold Observations but no counts.
func (s *Store) checkVersion() (rebuild bool, err error) {
	v, closer, err := s.db.Get(metaVersionKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return true, s.upgrade(0)
	}
	if err != nil {
		return false, fmt.Errorf("read version: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return false, fmt.Errorf("layout version %x: %w", v, errCorrupt)
	}
	switch got := binary.BigEndian.Uint64(v); {
	case got == layoutVersion:
		return false, nil
	case got < layoutVersion:
		return false, s.upgrade(got)
	default:
		return false, fmt.Errorf("layout version %d, this build reads up to %d", got,
			layoutVersion)
	}
}

// recount counts the entries of every Datastream's chunks, checking each chunk whole,
// logs where a mark differs and repairs it, in marks and in the database.
func (s *Store) recount(marks map[int64]mark) error {
	it, err := s.db.NewIter(prefixBounds(prefixSeries))
	if err != nil {
		return fmt.Errorf("recount iterator: %w", err)
	}
	defer it.Close()
	counts, top := map[int64]int64{}, map[int64]uint64{}
	for ok := it.First(); ok; ok = it.Next() {
		ds, _, err := parseChunkKey(it.Key())
		if err != nil {
			return fmt.Errorf("recount: %w", err)
		}
		if err := eachChunkEntry(it.Key(), it.Value(), func(e chunkEntry) bool {
			counts[ds]++
			top[ds] = max(top[ds], e.id)
			return true
		}); err != nil {
			return fmt.Errorf("recount: %w", err)
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("recount: %w", err)
	}
	b := s.db.NewBatch()
	defer b.Close()
	for ds := range maps.Keys(counts) {
		if _, ok := marks[ds]; !ok {
			marks[ds] = mark{}
		}
	}
	for ds, m := range marks {
		if m.n == counts[ds] && m.id >= top[ds] {
			continue
		}
		// A mark below an ID in the chunks would put that Observation in the head too.
		s.log.Error("a sealed mark differs from the chunks; repaired", "datastream", ds,
			"stored_count", m.n, "counted", counts[ds], "stored_id", m.id, "chunk_id", top[ds])
		m.n, m.id = counts[ds], max(m.id, top[ds])
		marks[ds] = m
		_ = b.Set(sealMarkKey(ds), sealMarkValue(m), nil)
	}
	if b.Empty() {
		return nil
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("repair counts: %w", err)
	}
	return nil
}

// loadLatest finds the newest Observation of every counted series: the later of its last
// chunk's last entry (one reverse seek) and its head's last.
func (s *Store) loadLatest(counts map[int64]int64, heads map[int64]*head) (
	map[int64]model.Observation, error) {
	it, err := s.db.NewIter(prefixBounds(prefixSeries))
	if err != nil {
		return nil, fmt.Errorf("latest iterator: %w", err)
	}
	defer it.Close()
	latest := make(map[int64]model.Observation, len(counts))
	for ds := range counts {
		var last chunkEntry
		found := false
		if p := chunkPrefix(ds); it.SeekLT(successor(p)) && bytes.HasPrefix(it.Key(), p) {
			if err := eachChunkEntry(it.Key(), it.Value(), func(e chunkEntry) bool {
				last, found = e, true
				return true
			}); err != nil {
				return nil, fmt.Errorf("latest of %d: %w", ds, err)
			}
		} else if err := it.Error(); err != nil {
			return nil, fmt.Errorf("latest of %d: %w", ds, err)
		}
		if h := heads[ds]; h != nil && len(h.es) > 0 {
			e := h.es[len(h.es)-1]
			if !found || e.compare(last.point) > 0 {
				last, found = chunkEntry{point: e.point, rec: h.recs[e.off:e.end]}, true
			}
		}
		if !found {
			return nil, fmt.Errorf("datastream %d: %w", ds, errStaleCount)
		}
		o, err := decodeEntry(ds, last)
		if err != nil {
			return nil, fmt.Errorf("latest of %d: %w", ds, err)
		}
		latest[ds] = o
	}
	return latest, nil
}

// lastKey returns the 8-byte big-endian number that ends the last key under prefix, or 0.
func (s *Store) lastKey(prefix byte) (uint64, error) {
	it, err := s.db.NewIter(prefixBounds(prefix))
	if err != nil {
		return 0, fmt.Errorf("iterator %c: %w", prefix, err)
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	k := it.Key()
	if len(k) != 9 {
		return 0, fmt.Errorf("key %x: %w", k, errCorrupt)
	}
	return binary.BigEndian.Uint64(k[1:]), nil
}
