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

// errStaleCount says a count key names a Datastream that has no Observations.
var errStaleCount = errors.New("counted but has no observations")

// state is what the store keeps in memory so that Count, Latest and LastID do not read the
// disk. The writer changes it after each commit; readers copy out of it.
type state struct {
	mu     sync.RWMutex
	counts map[int64]int64
	latest map[int64]model.Observation
	lastID uint64
}

// load fills the in-memory state and the archive's last sequence number from the database,
// rebuilding the counts when the layout version is missing or Options.Verify is set.
func (s *Store) load() error {
	rebuild, err := s.checkVersion()
	if err != nil {
		return err
	}
	counts, err := s.loadCounts()
	if err != nil {
		return err
	}
	if rebuild || s.opt.Verify {
		if counts, err = s.recount(counts); err != nil {
			return err
		}
	}
	latest, err := s.loadLatest(counts)
	if errors.Is(err, errStaleCount) {
		s.log.Error("a stored count has no Observations; recounting", "err", err)
		if counts, err = s.recount(counts); err != nil {
			return err
		}
		latest, err = s.loadLatest(counts)
	}
	if err != nil {
		return err
	}
	s.state = state{counts: counts, latest: latest}
	if s.state.lastID, err = s.lastIDInBlocks(); err != nil {
		return err
	}
	return s.loadArchive()
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

// loadCounts reads the 'c' keys.
func (s *Store) loadCounts() (map[int64]int64, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixCount},
		UpperBound: []byte{prefixCount + 1}})
	if err != nil {
		return nil, fmt.Errorf("count iterator: %w", err)
	}
	defer it.Close()
	counts := map[int64]int64{}
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 9 || len(v) != 8 {
			return nil, fmt.Errorf("count key %x: %w", k, errCorrupt)
		}
		if n := int64(binary.BigEndian.Uint64(v)); n > 0 {
			counts[getInt64(k[1:])] = n
		}
	}
	return counts, it.Error()
}

// recount counts every series from its keys, logs where the stored counts differ and
// repairs them.
func (s *Store) recount(stored map[int64]int64) (map[int64]int64, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixObs},
		UpperBound: []byte{prefixObs + 1}})
	if err != nil {
		return nil, fmt.Errorf("recount iterator: %w", err)
	}
	defer it.Close()
	counts := map[int64]int64{}
	for ok := it.First(); ok; ok = it.Next() {
		ds, _, _, err := parseObsKey(it.Key())
		if err != nil {
			return nil, fmt.Errorf("recount: %w: %w", err, errCorrupt)
		}
		counts[ds]++
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("recount: %w", err)
	}
	if maps.Equal(counts, stored) {
		return counts, nil
	}
	return counts, s.repairCounts(stored, counts)
}

// repairCounts writes the recounted values where they differ from the stored ones.
func (s *Store) repairCounts(stored, counts map[int64]int64) error {
	b := s.db.NewBatch()
	defer b.Close()
	for ds, n := range counts {
		if stored[ds] != n {
			s.log.Error("stored count differs from the keys; repaired", "datastream", ds,
				"stored", stored[ds], "counted", n)
			_ = b.Set(countKey(ds), binary.BigEndian.AppendUint64(nil, uint64(n)), nil)
		}
	}
	for ds, n := range stored {
		if _, ok := counts[ds]; !ok {
			s.log.Error("count of a Datastream without Observations; removed", "datastream", ds,
				"stored", n)
			_ = b.Delete(countKey(ds), nil)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("repair counts: %w", err)
	}
	return nil
}

// loadLatest finds the last key of every counted series: one reverse seek each.
func (s *Store) loadLatest(counts map[int64]int64) (map[int64]model.Observation, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixObs},
		UpperBound: []byte{prefixObs + 1}})
	if err != nil {
		return nil, fmt.Errorf("latest iterator: %w", err)
	}
	defer it.Close()
	latest := make(map[int64]model.Observation, len(counts))
	for ds := range counts {
		p := obsPrefix(ds)
		if !it.SeekLT(successor(p)) || !bytes.HasPrefix(it.Key(), p) {
			if err := it.Error(); err != nil {
				return nil, fmt.Errorf("latest of %d: %w", ds, err)
			}
			return nil, fmt.Errorf("datastream %d: %w", ds, errStaleCount)
		}
		o, err := decodeObs(it.Key(), it.Value())
		if err != nil {
			return nil, fmt.Errorf("latest of %d: %w", ds, err)
		}
		latest[ds] = o
	}
	return latest, it.Error()
}

// lastKey returns the 8-byte big-endian number that ends the last key under prefix, or 0.
func (s *Store) lastKey(prefix byte) (uint64, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefix},
		UpperBound: []byte{prefix + 1}})
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
