package pebblestore

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble"
)

// The by-ID index is kept in blocks: one key per run of Observations with increasing IDs,
// usually one commit's worth, where a key per Observation made the index half the keys the
// memtable had to place. A block's key is 'b' and its first ID; its value is
//
//	count uvarint
//	per entry: ID minus the previous entry's (the first's minus the key's) uvarint,
//	           record length uvarint, record (appendIDRecord)
//
// Blocks never overlap: every ID of a block is below the first ID of the next, so the block
// that may hold an ID is the last one whose key is at or below it. The writer keeps that
// true when an ID arrives below IDs already committed (fill).

// maxBlock bounds the entries the writer puts into one new block, and so what a Get or a
// page of Scan decodes: with 128, a block is about the size of one of Pebble's data blocks,
// and a page of 100 reads one or two. With 1024 a page took four times as long, and the
// writer saved little more.
const maxBlock = 128

// idEntry is one entry of a block, its record still encoded.
type idEntry struct {
	id  uint64
	rec []byte
}

// blockKey returns the key of the block that starts at first.
func blockKey(dst []byte, first uint64) []byte {
	dst = append(dst, prefixIDBlock)
	return binary.BigEndian.AppendUint64(dst, first)
}

// appendBlock appends the value of a block of entries, sorted by ID, to dst.
func appendBlock(dst []byte, es []idEntry) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(es)))
	prev := es[0].id
	for _, e := range es {
		dst = binary.AppendUvarint(dst, e.id-prev)
		dst = binary.AppendUvarint(dst, uint64(len(e.rec)))
		dst = append(dst, e.rec...)
		prev = e.id
	}
	return dst
}

// decodeBlock reads a block's entries; their records point into v.
func decodeBlock(k, v []byte) ([]idEntry, error) {
	return appendEntries(nil, k, v)
}

// appendEntries appends a block's entries to dst.
func appendEntries(dst []idEntry, k, v []byte) ([]idEntry, error) {
	err := eachEntry(k, v, func(e idEntry) bool {
		dst = append(dst, e)
		return true
	})
	return dst, err
}

// eachEntry calls fn with a block's entries in ID order, their records pointing into v,
// until fn returns false. It checks each entry as it goes, and the whole block's framing
// only when fn reads to the end.
func eachEntry(k, v []byte, fn func(idEntry) bool) error {
	if len(k) != blockKeyLen || k[0] != prefixIDBlock {
		return fmt.Errorf("id block key %x: %w", k, errCorrupt)
	}
	id := binary.BigEndian.Uint64(k[1:])
	n, w := binary.Uvarint(v)
	if w <= 0 || n == 0 || n > uint64(len(v)) {
		return fmt.Errorf("id block %d: bad count: %w", id, errCorrupt)
	}
	v = v[w:]
	for i := range n {
		d, w := binary.Uvarint(v)
		if w <= 0 || (i == 0) != (d == 0) || id+d < id { // the key is the first entry's ID
			return fmt.Errorf("id block %d: entry %d: bad id: %w", id, i, errCorrupt)
		}
		v = v[w:]
		l, w := binary.Uvarint(v)
		if w <= 0 || l > uint64(len(v)-w) {
			return fmt.Errorf("id block %d: entry %d: bad length: %w", id, i, errCorrupt)
		}
		id += d
		if !fn(idEntry{id: id, rec: v[w : w+int(l) : w+int(l)]}) {
			return nil
		}
		v = v[w+int(l):]
	}
	if len(v) != 0 {
		return fmt.Errorf("id block %x: %d bytes after the entries: %w", k, len(v),
			errCorrupt)
	}
	return nil
}

// blockFor positions it, an iterator over the 'b' keys, on the block that may hold id:
// the last one whose first ID is at or below it. It reports false when there is none.
func blockFor(it *pebble.Iterator, id uint64) bool {
	if id == ^uint64(0) {
		return it.Last()
	}
	return it.SeekLT(blockKey(nil, id+1))
}

// lookup returns the encoded record of id from the database, if it is stored.
func (s *Store) lookup(id uint64) ([]byte, bool, error) {
	it, err := s.db.NewIter(blockBounds())
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	if !blockFor(it, id) {
		return nil, false, it.Error()
	}
	var rec []byte
	err = eachEntry(it.Key(), it.Value(), func(e idEntry) bool {
		if e.id == id {
			rec = slices.Clone(e.rec)
		}
		return e.id < id
	})
	return rec, rec != nil, err
}

// blockBounds are the iterator options of the by-ID index.
func blockBounds() *pebble.IterOptions {
	return prefixBounds(prefixIDBlock)
}

// lastIDInBlocks returns the highest ID in the index, or 0.
func (s *Store) lastIDInBlocks() (uint64, error) {
	it, err := s.db.NewIter(blockBounds())
	if err != nil {
		return 0, err
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	es, err := decodeBlock(it.Key(), it.Value())
	if err != nil {
		return 0, err
	}
	return es[len(es)-1].id, nil
}

// writeBlocks writes the by-ID entries of one commit, sorted by ID, into b. IDs above
// every committed one (the usual case) go into new blocks of at most maxBlock; an ID at or
// below the highest committed one is merged into the block that may hold it, which is
// rewritten, so that blocks never overlap.
func (w *writer) writeBlocks(es []idEntry, committedMax uint64) error {
	i, _ := slices.BinarySearchFunc(es, committedMax+1, func(e idEntry, id uint64) int {
		return cmp.Compare(e.id, id)
	})
	if err := w.fill(es[:i]); err != nil {
		return err
	}
	for fresh := es[i:]; len(fresh) > 0; {
		n := min(len(fresh), maxBlock)
		w.key = blockKey(w.key[:0], fresh[0].id)
		w.val = appendBlock(w.val[:0], fresh[:n])
		_ = w.batch.Set(w.key, w.val, nil) // a Batch.Set error is only for a closed batch
		fresh = fresh[n:]
	}
	return nil
}

// fill merges entries whose IDs are at or below the highest committed one, sorted by ID,
// into the blocks that may hold them; a run of them below every block starts a new one. A
// block that grows past maxBlock is split, so that fills in any order cost what appends do.
func (w *writer) fill(es []idEntry) error {
	if len(es) == 0 {
		return nil
	}
	it, err := w.s.db.NewIter(blockBounds())
	if err != nil {
		return err
	}
	defer it.Close()
	var targets []*fillTarget
	var cur *fillTarget
	for _, e := range es {
		hasBlock := blockFor(it, e.id)
		if err := it.Error(); err != nil {
			return err
		}
		switch {
		case hasBlock && (cur == nil || binary.BigEndian.Uint64(it.Key()[1:]) != cur.first):
			old, err := decodeBlock(it.Key(), it.Value())
			if err != nil {
				return err
			}
			cur = &fillTarget{first: old[0].id, entries: ownEntries(old)}
			targets = append(targets, cur)
		case !hasBlock && cur == nil:
			cur = &fillTarget{first: e.id} // below every block
			targets = append(targets, cur)
		}
		cur.entries = append(cur.entries, idEntry{id: e.id, rec: slices.Clone(e.rec)})
	}
	for _, t := range targets {
		slices.SortFunc(t.entries, func(a, b idEntry) int { return cmp.Compare(a.id, b.id) })
		for block := t.entries; len(block) > 0; block = block[min(len(block), maxBlock):] {
			part := block[:min(len(block), maxBlock)]
			_ = w.batch.Set(blockKey(nil, part[0].id), appendBlock(nil, part), nil)
		}
	}
	return nil
}

// fillTarget is a block that fill rewrites: one from the database with the IDs merged into
// it, or a new one below every block.
type fillTarget struct {
	first   uint64
	entries []idEntry
}

// ownEntries copies es and their records.
func ownEntries(es []idEntry) []idEntry {
	own := make([]idEntry, len(es), len(es)+1)
	for i, e := range es {
		own[i] = idEntry{id: e.id, rec: slices.Clone(e.rec)}
	}
	return own
}
