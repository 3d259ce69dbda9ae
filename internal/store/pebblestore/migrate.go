package pebblestore

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble"

	"github.com/vindel-hub/vindel/internal/store/rawlog"
)

// upgrade moves a store written in layout from (0 for one without a version) to the current
// layout, one step at a time, and writes the version. Each step can run again after a crash
// part way.
func (s *Store) upgrade(from uint64) error {
	steps := []struct {
		to  uint64
		run func() error
	}{{2, s.migrateRaw}, {3, s.migrateIDs}, {4, s.migrateSeries}, {5, s.migrateDevices}}
	for _, st := range steps {
		if from >= st.to {
			continue
		}
		if err := st.run(); err != nil {
			return fmt.Errorf("upgrade to layout %d: %w", st.to, err)
		}
		ver := binary.BigEndian.AppendUint64(nil, st.to)
		if err := s.db.Set(metaVersionKey, ver, pebble.Sync); err != nil {
			return fmt.Errorf("write version: %w", err)
		}
	}
	return nil
}

// migrateRaw moves layout 1's raw uplinks out of the database into the log and deletes them
// and their time index. The device index is the same in both layouts. Run again after a
// crash part way, it skips what the log has already.
func (s *Store) migrateRaw() error {
	it, err := s.db.NewIter(prefixBounds(prefixRaw))
	if err != nil {
		return fmt.Errorf("migrate raw uplinks: %w", err)
	}
	defer it.Close()
	have := s.raw.LastSeq()
	var recs []rawlog.Record
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 9 || len(v) < 9 {
			return fmt.Errorf("migrate raw key %x: %w", k, errCorrupt)
		}
		seq := binary.BigEndian.Uint64(k[1:])
		if seq <= have {
			continue
		}
		at := int64(binary.BigEndian.Uint64(v[1:]))
		recs = append(recs, rawlog.Record{Seq: seq, At: at, Payload: append([]byte(nil), v...)})
		if len(recs) == 256 {
			if err := s.raw.Append(recs...); err != nil {
				return fmt.Errorf("migrate raw uplinks: %w", err)
			}
			n, recs = n+len(recs), recs[:0]
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("migrate raw uplinks: %w", err)
	}
	if err := s.raw.Append(recs...); err != nil {
		return fmt.Errorf("migrate raw uplinks: %w", err)
	}
	n += len(recs)
	if err := s.raw.Sync(); err != nil {
		return fmt.Errorf("migrate raw uplinks: %w", err)
	}

	b := s.db.NewBatch()
	defer b.Close()
	_ = b.DeleteRange([]byte{prefixRaw}, []byte{prefixRaw + 1}, nil)
	_ = b.DeleteRange([]byte{prefixRawTime}, []byte{prefixRawTime + 1}, nil)
	_ = b.Set(rawSeqKey, binary.BigEndian.AppendUint64(nil, s.raw.LastSeq()), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("migrate raw uplinks: %w", err)
	}
	if n > 0 {
		s.log.Info("raw uplinks moved from the database into the raw log", "count", n)
	}
	return nil
}

// migrateIDs rewrites the by-ID index of layouts 1 and 2, a key per Observation, as
// blocks of maxBlock consecutive keys, and deletes the old keys last. When there are old
// keys it starts by deleting any blocks, so that a run cut short by a crash is done again.
func (s *Store) migrateIDs() error {
	if old, err := s.lastKey(prefixID); err != nil || old == 0 {
		return err
	}
	clearBlocks := s.db.NewBatch()
	_ = clearBlocks.DeleteRange([]byte{prefixIDBlock}, []byte{prefixIDBlock + 1}, nil)
	err := clearBlocks.Commit(pebble.Sync)
	_ = clearBlocks.Close()
	if err != nil {
		return fmt.Errorf("migrate by-ID index: %w", err)
	}

	it, err := s.db.NewIter(prefixBounds(prefixID))
	if err != nil {
		return fmt.Errorf("migrate by-ID index: %w", err)
	}
	defer it.Close()
	var es []idEntry
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		if len(k) != 9 {
			return fmt.Errorf("migrate id key %x: %w", k, errCorrupt)
		}
		es = append(es, idEntry{id: binary.BigEndian.Uint64(k[1:]), rec: bytes.Clone(it.Value())})
		if len(es) == maxBlock {
			if err := s.db.Set(blockKey(nil, es[0].id), appendBlock(nil, es), pebble.NoSync); err != nil {
				return fmt.Errorf("migrate by-ID index: %w", err)
			}
			n, es = n+len(es), es[:0]
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("migrate by-ID index: %w", err)
	}
	b := s.db.NewBatch()
	defer b.Close()
	if len(es) > 0 {
		_ = b.Set(blockKey(nil, es[0].id), appendBlock(nil, es), nil)
		n += len(es)
	}
	_ = b.DeleteRange([]byte{prefixID}, []byte{prefixID + 1}, nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("migrate by-ID index: %w", err)
	}
	if n > 0 {
		s.log.Info("by-ID index rewritten in blocks", "observations", n)
	}
	return nil
}

// migrateSeries rewrites the series of layouts 1 to 3, a key per Observation, as chunks of
// maxChunk consecutive keys with every Datastream sealed to its highest ID, and deletes the
// old keys and counts last. When there are old keys it starts by deleting any chunks and marks, so
// that a run cut short by a crash is done again.
func (s *Store) migrateSeries() error {
	it, err := s.db.NewIter(prefixBounds(prefixObs))
	if err != nil {
		return fmt.Errorf("migrate series: %w", err)
	}
	defer it.Close()
	if !it.First() {
		return it.Error()
	}
	rw := newRewrite(s.db)
	defer rw.close()
	_ = rw.b.DeleteRange([]byte{prefixSeries}, []byte{prefixSeries + 1}, nil)
	_ = rw.b.DeleteRange([]byte{prefixSealed}, []byte{prefixSealed + 1}, nil)
	_ = rw.b.Delete(headFromKey, nil)
	var (
		es  []chunkEntry
		cur int64
		m   mark
		n   int
	)
	// put adds the chunk in es, and the mark when the Datastream ends.
	put := func(end bool) error {
		if len(es) > 0 {
			_ = rw.b.Set(chunkKey(nil, cur, es[0].point), appendChunk(nil, es), nil)
			n, es = n+len(es), es[:0]
		}
		if end {
			_ = rw.b.Set(sealMarkKey(cur), sealMarkValue(m), nil)
			m = mark{}
		}
		return rw.spill()
	}
	for ok := true; ok; ok = it.Next() {
		ds, pt, id, err := parseObsKey(it.Key())
		if err != nil {
			return fmt.Errorf("migrate series: %w: %w", err, errCorrupt)
		}
		if len(es) > 0 && ds != cur || len(es) == maxChunk {
			if err := put(ds != cur); err != nil {
				return fmt.Errorf("migrate series: %w", err)
			}
		}
		cur, m = ds, mark{id: max(m.id, id), n: m.n + 1}
		es = append(es, chunkEntry{point: point{pt, id}, rec: bytes.Clone(it.Value())})
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("migrate series: %w", err)
	}
	if err := put(true); err != nil {
		return fmt.Errorf("migrate series: %w", err)
	}
	_ = rw.b.DeleteRange([]byte{prefixObs}, []byte{prefixObs + 1}, nil)
	_ = rw.b.DeleteRange([]byte{prefixCount}, []byte{prefixCount + 1}, nil)
	if err := rw.finish(); err != nil {
		return fmt.Errorf("migrate series: %w", err)
	}
	s.log.Info("series rewritten in chunks", "observations", n)
	return nil
}

// migrateDevices rewrites the device index of layouts 1 to 4, a key per raw uplink, as
// blocks of maxBlock of a device's numbers, sets rawTopKey, and deletes the old keys last.
// When there are old keys it starts by deleting any blocks, so that a run cut short by a
// crash is done again.
func (s *Store) migrateDevices() error {
	it, err := s.db.NewIter(prefixBounds(prefixDevice))
	if err != nil {
		return fmt.Errorf("migrate device index: %w", err)
	}
	defer it.Close()
	if !it.First() {
		return it.Error()
	}
	rw := newRewrite(s.db)
	defer rw.close()
	_ = rw.b.DeleteRange([]byte{prefixDevBlock}, []byte{prefixDevBlock + 1}, nil)
	var (
		dev  string
		seqs []uint64
		top  uint64
		n    int
	)
	put := func() error {
		if len(seqs) > 0 {
			_ = rw.b.Set(devBlockKey(dev, seqs[0]), appendSeqBlock(nil, seqs), nil)
			n, seqs = n+len(seqs), seqs[:0]
		}
		return rw.spill()
	}
	for ok := true; ok; ok = it.Next() {
		d, seq, err := parseDeviceKey(it.Key())
		if err != nil {
			return fmt.Errorf("migrate device index: %w", err)
		}
		if len(seqs) > 0 && d != dev || len(seqs) == maxBlock {
			if err := put(); err != nil {
				return fmt.Errorf("migrate device index: %w", err)
			}
		}
		dev, top = d, max(top, seq)
		seqs = append(seqs, seq)
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("migrate device index: %w", err)
	}
	if err := put(); err != nil {
		return fmt.Errorf("migrate device index: %w", err)
	}
	_ = rw.b.Set(rawTopKey, binary.BigEndian.AppendUint64(nil, top), nil)
	_ = rw.b.DeleteRange([]byte{prefixDevice}, []byte{prefixDevice + 1}, nil)
	if err := rw.finish(); err != nil {
		return fmt.Errorf("migrate device index: %w", err)
	}
	s.log.Info("device index rewritten in blocks", "uplinks", n)
	return nil
}

// rewrite is the batch a migration fills: committed, unsynced, each time it grows past
// 4 MiB, so that a large store is rewritten in bounded memory, and synced at the end.
type rewrite struct {
	db *pebble.DB
	b  *pebble.Batch
}

func newRewrite(db *pebble.DB) *rewrite { return &rewrite{db: db, b: db.NewBatch()} }

// spill commits the batch and starts another when it is large.
func (r *rewrite) spill() error {
	if r.b.Len() < 4<<20 {
		return nil
	}
	err := r.b.Commit(pebble.NoSync)
	_ = r.b.Close()
	r.b = r.db.NewBatch()
	return err
}

// finish commits what is left, synced, and with it every spill before it.
func (r *rewrite) finish() error { return r.b.Commit(pebble.Sync) }

// close releases the batch.
func (r *rewrite) close() { _ = r.b.Close() }
